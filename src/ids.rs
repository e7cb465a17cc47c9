//! The seeded id generator (D16): ids the mock creates are random-looking UUID v4 values
//! drawn from a fixed seed, so two runs of the same traffic create the same ids.

use uuid::Uuid;

/// The seed every fresh store (and every reset) starts from.
pub(crate) const DEFAULT_SEED: u64 = 0x6761_7465_6c79; // "gately"

/// A splitmix64 stream turned into UUIDs. Not for secrets: only for stable test data.
#[derive(Clone, Debug)]
pub(crate) struct IdGenerator {
    state: u64,
}

impl IdGenerator {
    /// A generator at the start of the stream for `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next id of the stream.
    pub(crate) fn next_uuid(&mut self) -> Uuid {
        let high = self.next_u64();
        let low = self.next_u64();
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&high.to_be_bytes());
        bytes[8..].copy_from_slice(&low.to_be_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_ids() {
        let mut a = IdGenerator::new(DEFAULT_SEED);
        let mut b = IdGenerator::new(DEFAULT_SEED);
        let first = a.next_uuid();
        assert_eq!(first, b.next_uuid());
        assert_ne!(first, a.next_uuid());
    }

    #[test]
    fn ids_are_version_4_uuids() {
        let id = IdGenerator::new(1).next_uuid();
        assert_eq!(id.get_version_num(), 4);
    }
}

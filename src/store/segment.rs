//! Segments (D29): named rules over a project's contacts. Membership is never stored: it is
//! worked out again on every read, so it follows every change to the contacts.
//!
//! What a rule may say is fixed by `schemas/segment-rule.json` (fields, operators, which
//! values each operator takes); this module holds rules that passed it, and evaluates them.

use serde::Serialize;
use serde_json::{Map, Number, Value};
use uuid::Uuid;

use crate::clock::Timestamp;
use crate::store::contact::{Contact, OptionalField};
use crate::store::tag::{self, TagTable};

/// How a rule compares a contact's field with its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Operator {
    /// Equal (text exactly, numbers as numbers, timestamps as instants).
    Eq,
    /// Not [`Operator::Eq`].
    Neq,
    /// Text holding the value, ignoring case; for `tags` (or an array), holding the item.
    Contains,
    /// Not [`Operator::Contains`].
    NotContains,
    /// Greater than.
    Gt,
    /// Less than.
    Lt,
    /// Greater than or equal.
    Gte,
    /// Less than or equal.
    Lte,
    /// Present and not null (for `tags`, at least one).
    Exists,
    /// Null or missing (for `tags`, none): always the opposite of [`Operator::Exists`].
    Empty,
}

impl Operator {
    /// The operator named `name` on the wire.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "eq" => Operator::Eq,
            "neq" => Operator::Neq,
            "contains" => Operator::Contains,
            "not_contains" => Operator::NotContains,
            "gt" => Operator::Gt,
            "lt" => Operator::Lt,
            "gte" => Operator::Gte,
            "lte" => Operator::Lte,
            "exists" => Operator::Exists,
            "empty" => Operator::Empty,
            _ => return None,
        })
    }
}

/// The contact field a rule reads.
#[derive(Clone, Debug, PartialEq)]
enum Field {
    Id,
    ProjectId,
    Name,
    Email,
    Optional(OptionalField),
    Status,
    Tags,
    Unsubscribed,
    LastContactedAt,
    CreatedAt,
    UpdatedAt,
    /// `custom_fields.<key>`: everything after the first dot is the key.
    Custom(String),
}

impl Field {
    fn from_name(name: &str) -> Option<Self> {
        if let Some(key) = name.strip_prefix("custom_fields.") {
            return Some(Field::Custom(key.to_owned()));
        }
        Some(match name {
            "id" => Field::Id,
            "project_id" => Field::ProjectId,
            "name" => Field::Name,
            "email" => Field::Email,
            "status" => Field::Status,
            "tags" => Field::Tags,
            "unsubscribed" => Field::Unsubscribed,
            "last_contacted_at" => Field::LastContactedAt,
            "created_at" => Field::CreatedAt,
            "updated_at" => Field::UpdatedAt,
            other => Field::Optional(OptionalField::from_name(other)?),
        })
    }
}

/// One rule of a segment, as sent (and answered back) and as evaluated.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// The field as named on the wire.
    name: String,
    field: Field,
    operator: Operator,
    /// The value as sent; `None` for `exists` and `empty`.
    value: Option<Value>,
}

/// Why a rule cannot be read: a schema and code that drifted apart.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the segment rule at {pointer} passed schemas/segment-rule.json but does not read")]
pub struct RuleError {
    /// The rule's pointer (`/rules/2`).
    pub pointer: String,
}

impl Rule {
    /// The rules of a body or fixture that passed `segment-rule.json`; `at` is the pointer
    /// of the array, for the error.
    pub fn read_all(rules: &[Value], at: &str) -> Result<Vec<Rule>, RuleError> {
        rules
            .iter()
            .enumerate()
            .map(|(index, rule)| {
                Rule::read(rule).ok_or_else(|| RuleError {
                    pointer: format!("{at}/{index}"),
                })
            })
            .collect()
    }

    fn read(rule: &Value) -> Option<Rule> {
        let name = rule.get("field")?.as_str()?;
        Some(Rule {
            name: name.to_owned(),
            field: Field::from_name(name)?,
            operator: Operator::from_name(rule.get("operator")?.as_str()?)?,
            value: rule.get("value").cloned(),
        })
    }

    /// The rule as the API answers it: `field`, `operator`, and `value` when it has one.
    pub fn to_json(&self) -> Value {
        let mut rule = Map::new();
        rule.insert("field".to_owned(), Value::from(self.name.as_str()));
        rule.insert(
            "operator".to_owned(),
            serde_json::to_value(self.operator).expect("an operator serialises"),
        );
        if let Some(value) = &self.value {
            rule.insert("value".to_owned(), value.clone());
        }
        Value::Object(rule)
    }
}

/// One segment of one project.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    /// Its UUID.
    pub id: Uuid,
    /// The project it belongs to.
    pub project_id: Uuid,
    /// Its name.
    pub name: String,
    /// What it is for, if said.
    pub description: Option<String>,
    /// Its rules, all of which a member meets (AND).
    pub rules: Vec<Rule>,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

impl Segment {
    /// The segment as the API answers it, with `contact_count` members.
    pub fn to_json(&self, contact_count: usize) -> Value {
        serde_json::json!({
            "id": self.id,
            "project_id": self.project_id,
            "name": self.name,
            "description": self.description,
            "rules": self.rules.iter().map(Rule::to_json).collect::<Vec<_>>(),
            "contact_count": contact_count,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }

    /// The segment's rules ready to be held against contacts of its project: tag names
    /// resolved to ids, values read once.
    pub(crate) fn matcher(&self, tags: &TagTable) -> Matcher {
        Matcher {
            rules: self
                .rules
                .iter()
                .map(|rule| Prepared::new(rule, self.project_id, tags))
                .collect(),
        }
    }
}

/// A segment's rules, prepared for one read.
pub(crate) struct Matcher {
    rules: Vec<Prepared>,
}

impl Matcher {
    /// Whether `contact` meets every rule.
    pub(crate) fn matches(&self, contact: &Contact) -> bool {
        self.rules.iter().all(|rule| rule.holds(contact))
    }
}

/// A rule's value, read once.
enum Operand {
    None,
    Text {
        exact: String,
        lower: String,
    },
    Number(Number),
    Bool(bool),
    /// A `tags` membership: the ids of the project's tags of that name (none, or one).
    Tag(Option<Uuid>),
}

/// One rule, prepared.
struct Prepared {
    field: Field,
    operator: Operator,
    operand: Operand,
    /// The value as an instant, when it is text that reads as one.
    instant: Option<Timestamp>,
}

impl Prepared {
    fn new(rule: &Rule, project: Uuid, tags: &TagTable) -> Self {
        let operand = match (&rule.field, &rule.value) {
            (Field::Tags, Some(Value::String(name))) => {
                Operand::Tag(tag::find_by_name(tags, project, name))
            }
            (_, Some(Value::String(text))) => Operand::Text {
                exact: text.clone(),
                lower: text.to_lowercase(),
            },
            (_, Some(Value::Number(number))) => Operand::Number(number.clone()),
            (_, Some(Value::Bool(flag))) => Operand::Bool(*flag),
            _ => Operand::None,
        };
        let instant = match &rule.value {
            Some(Value::String(text)) => instant_of(text),
            _ => None,
        };
        Self {
            field: rule.field.clone(),
            operator: rule.operator,
            operand,
            instant,
        }
    }

    fn holds(&self, contact: &Contact) -> bool {
        // A custom field is read out of the contact's text of them: its value lives here.
        let custom = match &self.field {
            Field::Custom(key) => contact.custom_fields.get(key),
            _ => None,
        };
        let seen = Seen::of(&self.field, contact, custom.as_ref());
        match self.operator {
            Operator::Eq => self.equal(&seen),
            Operator::Neq => !self.equal(&seen),
            Operator::Contains => self.contains(&seen),
            Operator::NotContains => !self.contains(&seen),
            Operator::Gt => self.order(&seen).is_some_and(std::cmp::Ordering::is_gt),
            Operator::Lt => self.order(&seen).is_some_and(std::cmp::Ordering::is_lt),
            Operator::Gte => self.order(&seen).is_some_and(std::cmp::Ordering::is_ge),
            Operator::Lte => self.order(&seen).is_some_and(std::cmp::Ordering::is_le),
            Operator::Exists => !seen.is_empty(),
            Operator::Empty => seen.is_empty(),
        }
    }

    fn equal(&self, seen: &Seen<'_>) -> bool {
        match (seen, &self.operand) {
            // Timestamps (in the custom fields) as instants, as `gt`…`lte` compare them.
            (Seen::Text(text), Operand::Text { exact, .. }) => {
                match self.instant.zip(instant_of(text)) {
                    Some((value, at)) => at == value,
                    None => text == exact,
                }
            }
            (Seen::Number(number), Operand::Number(value)) => {
                compare_numbers(number, value).is_some_and(std::cmp::Ordering::is_eq)
            }
            (Seen::Bool(flag), Operand::Bool(value)) => flag == value,
            (Seen::Instant(at), _) => self.instant.is_some_and(|value| *at == value),
            (Seen::Uuid(id), Operand::Text { exact, .. }) => Uuid::try_parse(exact) == Ok(*id),
            _ => false,
        }
    }

    fn contains(&self, seen: &Seen<'_>) -> bool {
        match (seen, &self.operand) {
            (Seen::Text(text), Operand::Text { lower, .. }) => {
                text.to_lowercase().contains(lower.as_str())
            }
            (Seen::Uuid(id), Operand::Text { lower, .. }) => {
                id.hyphenated().to_string().contains(lower.as_str())
            }
            // A timestamp as the API writes it.
            (Seen::Instant(at), Operand::Text { lower, .. }) => {
                at.to_string().to_lowercase().contains(lower.as_str())
            }
            (Seen::Tags(ids), Operand::Tag(Some(id))) => ids.contains(id),
            (Seen::Items(items), Operand::Text { exact, .. }) => items
                .iter()
                .any(|item| item.as_str() == Some(exact.as_str())),
            _ => false,
        }
    }

    /// How the contact's value compares with the rule's: numbers as numbers, timestamps as
    /// instants, other text as text; `None` when the two do not compare.
    fn order(&self, seen: &Seen<'_>) -> Option<std::cmp::Ordering> {
        match (seen, &self.operand) {
            (Seen::Number(number), Operand::Number(value)) => compare_numbers(number, value),
            (Seen::Instant(at), Operand::Text { exact, .. }) => match self.instant {
                Some(value) => Some(at.cmp(&value)),
                // RFC 3339 but out of the years a timestamp is written in: as text.
                None => Some(at.to_string().as_str().cmp(exact.as_str())),
            },
            (Seen::Uuid(id), Operand::Text { lower, .. }) => {
                Some(id.hyphenated().to_string().as_str().cmp(lower.as_str()))
            }
            (Seen::Text(text), Operand::Text { exact, .. }) => {
                match self.instant.zip(instant_of(text)) {
                    Some((value, at)) => Some(at.cmp(&value)),
                    None => Some((*text).cmp(exact.as_str())),
                }
            }
            _ => None,
        }
    }
}

/// The instant `text` writes, if it is an RFC 3339 date-time in the years 0000-9999. Asked
/// of every contact's text when the rule's value is a timestamp: what cannot be one (too
/// short, not starting with a digit) is told without parsing it.
fn instant_of(text: &str) -> Option<Timestamp> {
    /// `2025-03-01T00:00:00Z`
    const SHORTEST: usize = 20;
    let plausible = text.len() >= SHORTEST && text.as_bytes()[0].is_ascii_digit();
    plausible.then(|| Timestamp::parse(text).ok()).flatten()
}

/// How two JSON numbers compare: integers exactly (`9007199254740993` is not
/// `9007199254740992`), others as floating point.
fn compare_numbers(a: &Number, b: &Number) -> Option<std::cmp::Ordering> {
    if let (Some(a), Some(b)) = (a.as_i64(), b.as_i64()) {
        return Some(a.cmp(&b));
    }
    if let (Some(a), Some(b)) = (a.as_u64(), b.as_u64()) {
        return Some(a.cmp(&b));
    }
    // An integer beyond i64 against a negative one: the unsigned one is the greater.
    if a.is_u64() && b.is_i64() {
        return Some(std::cmp::Ordering::Greater);
    }
    if a.is_i64() && b.is_u64() {
        return Some(std::cmp::Ordering::Less);
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

/// A contact's value of one field.
enum Seen<'a> {
    Missing,
    Text(&'a str),
    /// `id`, `project_id`: compared as their text.
    Uuid(Uuid),
    Number(&'a Number),
    Bool(bool),
    Instant(Timestamp),
    Tags(&'a [Uuid]),
    /// An array in the custom fields.
    Items(&'a [Value]),
    /// An object in the custom fields.
    Object,
}

impl<'a> Seen<'a> {
    /// The value of `field` of `contact`; `custom` is the value of the custom field `field`
    /// names, if it does.
    fn of(field: &Field, contact: &'a Contact, custom: Option<&'a Value>) -> Self {
        match field {
            Field::Id => Seen::Uuid(contact.id),
            Field::ProjectId => Seen::Uuid(contact.project_id),
            Field::Name => Seen::Text(&contact.name),
            Field::Email => Seen::Text(&contact.email),
            Field::Optional(optional) => contact.get(*optional).map_or(Seen::Missing, Seen::Text),
            Field::Status => Seen::Text(contact.status.name()),
            Field::Tags => Seen::Tags(&contact.tags),
            Field::Unsubscribed => Seen::Bool(contact.unsubscribed),
            Field::LastContactedAt => contact
                .last_contacted_at
                .map_or(Seen::Missing, Seen::Instant),
            Field::CreatedAt => Seen::Instant(contact.created_at),
            Field::UpdatedAt => Seen::Instant(contact.updated_at),
            Field::Custom(_) => match custom {
                None | Some(Value::Null) => Seen::Missing,
                Some(Value::String(text)) => Seen::Text(text),
                Some(Value::Number(number)) => Seen::Number(number),
                Some(Value::Bool(flag)) => Seen::Bool(*flag),
                Some(Value::Array(items)) => Seen::Items(items),
                Some(Value::Object(_)) => Seen::Object,
            },
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Seen::Missing => true,
            Seen::Tags(ids) => ids.is_empty(),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::schema::SchemaRegistry;
    use crate::store::contact::{Status, StoredContact};
    use crate::store::custom_fields::CustomFields;
    use crate::store::tag::Tag;

    static SCHEMAS: std::sync::LazyLock<SchemaRegistry> =
        std::sync::LazyLock::new(|| SchemaRegistry::compile().unwrap());
    const PROJECT: &str = "3f6c2a91-8d4e-4b7a-9c15-2e8f0d6b4a73";
    const TAG_NAMES: [&str; 3] = ["VIP", "Trial", "Newsletter"];
    const TIMES: [&str; 4] = [
        "2024-12-31T23:59:59.000Z",
        "2025-03-01T00:00:00.000Z",
        "2025-03-01T00:00:00.001Z",
        "2025-06-15T14:30:00.000Z",
    ];

    fn project() -> Uuid {
        PROJECT.parse().unwrap()
    }

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn tags() -> TagTable {
        TAG_NAMES
            .iter()
            .enumerate()
            .map(|(index, name)| {
                let id = Uuid::from_u128(0xa000 + index as u128);
                let tag = Tag::new(id, project(), (*name).to_owned(), None, at(TIMES[0]));
                (id, tag)
            })
            .collect()
    }

    /// The contact as the API sends it.
    fn wire(contact: &Contact, tags: &TagTable) -> Value {
        let stored = StoredContact::new(contact.clone());
        let mut out = Vec::new();
        stored.view(tags).write_json(&mut out);
        serde_json::from_slice(&out).unwrap()
    }

    /// A rule held against a contact as the API sends it: a straightforward reading of
    /// D29 over JSON, written apart from the evaluation it checks.
    fn reference(rule: &Value, contact: &Value) -> bool {
        let field = rule["field"].as_str().unwrap();
        let operator = rule["operator"].as_str().unwrap();
        let value = &rule["value"];
        let seen = match field.strip_prefix("custom_fields.") {
            Some(key) => contact["custom_fields"].get(key).cloned(),
            None if field == "tags" => Some(Value::Array(
                contact["tags"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|tag| tag["name"].clone())
                    .collect(),
            )),
            None => contact.get(field).cloned(),
        }
        .filter(|seen| !seen.is_null());
        let instant_field = matches!(field, "created_at" | "updated_at" | "last_contacted_at");
        let instant = |v: &Value| v.as_str().and_then(|text| Timestamp::parse(text).ok());
        let equal = |seen: &Value| match (seen, value) {
            _ if instant_field => instant(seen).is_some() && instant(seen) == instant(value),
            (Value::String(a), Value::String(b)) if field == "id" || field == "project_id" => {
                Uuid::try_parse(b).is_ok_and(|b| b.to_string() == *a)
            }
            (Value::String(_), Value::String(_))
                if instant(seen).is_some() && instant(value).is_some() =>
            {
                instant(seen) == instant(value)
            }
            (Value::Number(a), Value::Number(b)) => match (a.as_i64(), b.as_i64()) {
                (Some(a), Some(b)) => a == b,
                _ => a.as_f64() == b.as_f64(),
            },
            (a, b) if a.is_array() || a.is_object() => {
                let _ = b;
                false
            }
            (a, b) => a == b,
        };
        let contains = |seen: &Value| match (seen, value) {
            (Value::Array(items), Value::String(b)) => items.iter().any(|item| item == b),
            (Value::String(a), Value::String(b)) => a.to_lowercase().contains(&b.to_lowercase()),
            _ => false,
        };
        let order = |seen: &Value| match (seen, value) {
            (Value::Number(a), Value::Number(b)) => match (a.as_i64(), b.as_i64()) {
                (Some(a), Some(b)) => Some(a.cmp(&b)),
                _ => a.as_f64().partial_cmp(&b.as_f64()),
            },
            _ if instant_field => match (instant(value), value.as_str()) {
                (Some(b), _) => Some(instant(seen).unwrap().cmp(&b)),
                (None, Some(b)) => Some(seen.as_str().unwrap().cmp(b)),
                (None, None) => None,
            },
            (Value::String(a), Value::String(b)) => match (instant(seen), instant(value)) {
                (Some(a), Some(b)) => Some(a.cmp(&b)),
                // Ids compare as they are written, in lower case.
                _ if field == "id" || field == "project_id" => {
                    Some(a.as_str().cmp(b.to_lowercase().as_str()))
                }
                _ => Some(a.cmp(b)),
            },
            _ => None,
        };
        let empty = match &seen {
            None => true,
            Some(Value::Array(items)) => field == "tags" && items.is_empty(),
            Some(_) => false,
        };
        let holds = |test: &dyn Fn(&Value) -> bool| seen.as_ref().is_some_and(test);
        match operator {
            "eq" => holds(&equal),
            "neq" => !holds(&equal),
            "contains" => holds(&contains),
            "not_contains" => !holds(&contains),
            "gt" => holds(&|s| order(s).is_some_and(|o| o.is_gt())),
            "lt" => holds(&|s| order(s).is_some_and(|o| o.is_lt())),
            "gte" => holds(&|s| order(s).is_some_and(|o| o.is_ge())),
            "lte" => holds(&|s| order(s).is_some_and(|o| o.is_le())),
            "exists" => !empty,
            "empty" => empty,
            other => panic!("operator {other}"),
        }
    }

    fn contact_strategy() -> impl Strategy<Value = Contact> {
        let text = prop::sample::select(vec!["Acme", "acme corp", "Globex", "", "ACME"]);
        let plan = prop::sample::select(vec![
            json!(null),
            json!("pro"),
            json!("Pro"),
            json!("trial"),
            json!(5),
            json!(12.5),
            json!(true),
            json!(["pro", "beta"]),
            json!({"tier": "gold"}),
            json!("2025-03-01T00:00:00.000Z"),
            json!("2025-03-01T01:00:00+01:00"),
            json!(9007199254740993_i64),
        ]);
        (
            0..4usize,
            prop::option::of(text),
            prop::option::of(plan),
            prop::collection::vec(0..3usize, 0..3),
            0..4usize,
            prop::option::of(0..4usize),
            any::<bool>(),
            0..1000u128,
        )
            .prop_map(
                |(status, company, plan, tags, created, contacted, unsubscribed, id)| {
                    let mut optional: [Option<Box<str>>; 10] = Default::default();
                    optional[OptionalField::Company as usize] = company.map(Box::from);
                    let mut custom_fields = Map::new();
                    if let Some(plan) = plan {
                        custom_fields.insert("plan".to_owned(), plan);
                    }
                    let mut tag_ids: Vec<Uuid> = tags
                        .into_iter()
                        .map(|t| Uuid::from_u128(0xa000 + t as u128))
                        .collect();
                    tag_ids.dedup();
                    Contact {
                        id: Uuid::from_u128(0xc000_0000 + id),
                        project_id: project(),
                        name: "Jane Smith".to_owned(),
                        email: "jane@example.com".to_owned(),
                        optional,
                        status: Status::ALL[status],
                        custom_fields: CustomFields::from_map(&custom_fields),
                        tags: tag_ids,
                        unsubscribed,
                        last_contacted_at: contacted.map(|t| at(TIMES[t])),
                        created_at: at(TIMES[created]),
                        updated_at: at(TIMES[3]),
                        create_only: None,
                    }
                },
            )
    }

    fn rule_strategy() -> impl Strategy<Value = Value> {
        let field = prop::sample::select(vec![
            "status",
            "company",
            "name",
            "tags",
            "unsubscribed",
            "created_at",
            "last_contacted_at",
            "custom_fields.plan",
            "custom_fields.missing",
            "id",
        ]);
        let operator = prop::sample::select(vec![
            "eq",
            "neq",
            "contains",
            "not_contains",
            "gt",
            "lt",
            "gte",
            "lte",
            "exists",
            "empty",
        ]);
        let value = prop::sample::select(vec![
            json!("active"),
            json!("acme"),
            json!("ACME"),
            json!("pro"),
            json!("VIP"),
            json!("Trial"),
            json!("M"),
            json!(5),
            json!(12.5),
            json!(true),
            json!(9007199254740992_i64),
            json!(9007199254740993_i64),
            json!("2025-03-01T00:00:00.000Z"),
            json!("2025-03-01T01:00:00+01:00"),
            json!("9999-12-31T23:59:59-23:59"),
            json!("C0000000-0000-0000-0000-000000000007"),
        ]);
        (field, operator, value).prop_map(|(field, operator, value)| {
            if matches!(operator, "exists" | "empty") {
                json!({"field": field, "operator": operator})
            } else {
                json!({"field": field, "operator": operator, "value": value})
            }
        })
    }

    proptest! {
        #[test]
        fn a_segment_holds_exactly_the_contacts_its_rules_select(
            contacts in prop::collection::vec(contact_strategy(), 1..12),
            rules in prop::collection::vec(rule_strategy(), 1..4),
        ) {
            let rules: Vec<Value> = rules
                .into_iter()
                .filter(|rule| SCHEMAS.segment_rule.is_valid(rule))
                .collect();
            prop_assume!(!rules.is_empty());
            let tags = tags();
            let segment = Segment {
                id: Uuid::from_u128(1),
                project_id: project(),
                name: "s".to_owned(),
                description: None,
                rules: Rule::read_all(&rules, "/rules").unwrap(),
                created_at: at(TIMES[0]),
                updated_at: at(TIMES[0]),
            };
            let matcher = segment.matcher(&tags);
            for contact in &contacts {
                let json = wire(contact, &tags);
                let expected = rules.iter().all(|rule| reference(rule, &json));
                prop_assert_eq!(matcher.matches(contact), expected, "{:?} on {}", rules, json);
            }
        }
    }

    #[test]
    fn rules_are_answered_as_they_were_sent() {
        let sent = vec![
            json!({"field": "custom_fields.plan", "operator": "eq", "value": "pro"}),
            json!({"field": "tags", "operator": "empty"}),
        ];
        let rules = Rule::read_all(&sent, "/rules").unwrap();
        let answered: Vec<Value> = rules.iter().map(Rule::to_json).collect();
        assert_eq!(answered, sent);
    }
}

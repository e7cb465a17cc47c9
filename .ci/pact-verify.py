"""A Pact verifier none of us wrote (pact-python's, the Rust pact_ffi verifier) checks the
contract `gately-mock pact` wrote against a running mock as the provider: its state change
calls go to POST /__admin/provider-states, its requests carry the provider's own key.
Exit 0 when every interaction verified; the verifier's output says which failed.

    python pact-verify.py PROVIDER_URL PACT_FILE KEY
"""
import sys
from urllib.parse import urlparse

from pact import Verifier

url, pact_file, key = sys.argv[1], sys.argv[2], sys.argv[3]
parts = urlparse(url)
verifier = (
    Verifier("gately-api", host=parts.hostname)
    .add_transport(url=url)
    .add_source(pact_file)
    .state_handler(f"{url}/__admin/provider-states", body=True)
    .add_custom_header("Authorization", f"Bearer {key}")
)
try:
    verifier.verify()
except Exception as failure:  # the verifier raises when an interaction fails
    print(verifier.output(strip_ansi=True))
    print(f"pact verifier: {failure}")
    sys.exit(1)
print(verifier.output(strip_ansi=True))
print(f"pact verifier (pact-python {__import__('pact').__version__}, pact_ffi): {pact_file} verified against {url}")

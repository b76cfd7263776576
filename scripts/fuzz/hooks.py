# Schemathesis hooks (SCHEMATHESIS_HOOKS=hooks, scripts/fuzz on PYTHONPATH).
# A fresh Idempotency-Key per request: generated keys repeat (minimal strings like "0"), and the API
# rightly answers a reused key with another body 422 IDEMPOTENCY_KEY_REUSED. A key generated to be invalid
# (negative mode) is left as it is, so its rejection is still checked.
import os
import uuid

import schemathesis
from schemathesis.core.parameters import ParameterLocation


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers
    if headers is None:
        headers = case.headers = {}
    # On-Behalf-Of is the run's (a platform key acting for its user), never a generated one: a generated
    # value would only ever name nobody, and with a user token the header is refused before anything else.
    headers.pop("On-Behalf-Of", None)
    if os.environ.get("FUZZ_ON_BEHALF_OF"):
        headers["On-Behalf-Of"] = os.environ["FUZZ_ON_BEHALF_OF"]
    # A minimum seq (Contract-Min-Seq, ?minSeq=) names a seq some answer carried; a generated one names a
    # seq the contract will never reach, which is answered, rightly, 503 PROJECTION_BEHIND after the read's
    # bounded wait (the read-your-writes test proves it). A valid one is dropped; a malformed one (negative
    # mode) is kept, so its 400 is still checked.
    if not (case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)):
        headers.pop("Contract-Min-Seq", None)
    if case.query and not (case.meta is not None and case.meta.is_negative_at(ParameterLocation.QUERY)):
        case.query.pop("minSeq", None)
    if "Idempotency-Key" not in headers:
        return
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER):
        return
    headers["Idempotency-Key"] = str(uuid.uuid4())

# Schemathesis hooks (SCHEMATHESIS_HOOKS=hooks, scripts/fuzz on PYTHONPATH).
# A fresh Idempotency-Key per request: generated keys repeat (minimal strings like "0"), and the API
# rightly answers a reused key with another body 422 IDEMPOTENCY_KEY_REUSED. A key generated to be invalid
# (negative mode) is left as it is, so its rejection is still checked.
import uuid

import schemathesis
from schemathesis.core.parameters import ParameterLocation


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    if "Idempotency-Key" not in headers:
        return
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER):
        return
    headers["Idempotency-Key"] = str(uuid.uuid4())

-- R29: stored idempotent answers keep no signing secret. An answer that showed one keeps its SHA-256 digest
-- instead; a replay reads the endpoint's secret back (webhook_endpoints holds it sealed, AES-256-GCM, under
-- a key from the configuration: the worker seals the plaintext ones at start) and answers the one that matches.
UPDATE "idempotency_keys"
SET "response_body" = ("response_body" - 'secret')
  || jsonb_build_object('secretDigest', encode(sha256(convert_to("response_body"->>'secret', 'UTF8')), 'hex'))
WHERE jsonb_typeof("response_body") = 'object' AND "response_body" ? 'secret'
  AND "response_body"->>'object' = 'webhook_endpoint';

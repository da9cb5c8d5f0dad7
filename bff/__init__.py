"""The BFF: the only way a mobile app gets a secret.

A separate deployable (its own dependencies in `bff/requirements.lock`, its own image from
`bff/Dockerfile`): it never imports the platform's IaC code, and the IaC code never imports it.
The web layer (`app`) is thin over pure parts that are tested without a server: `settings`,
`apps` (who may read what), `tokens` (OAuth 2.0 JWTs), `network` (client IP, allow-list),
`ratelimit`, `sealed_cache`, `cms` (Directus), `audit`, `metrics`; `writer` puts rotated values
into the CMS.
"""

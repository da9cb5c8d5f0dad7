"""The mobile path: the BFF (the only way a mobile app gets a secret) and the CMS behind it."""

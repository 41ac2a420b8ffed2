"""The settings modules: `base` (shared, reads only the environment), `development` (reads
var/services.env and .env first), `test` and `production`. This package itself sets nothing, so
that importing `production` never reads a development file."""

"""The settings modules: `base` (shared values, read from the environment alone: no file read,
nothing derived from another setting), `dev` (reads var/services.env and .env first), `test`
(dev's, per test run and per pytest-xdist worker) and `production`; `loader` holds what they
share. This package itself sets nothing, so that importing `production` never reads a
development file."""

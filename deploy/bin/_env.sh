# Sourced by the deploy/bin wrappers: the application directory, its virtualenv and the
# production settings. Every other setting comes from the environment (systemd's
# EnvironmentFile=/etc/cityservice/city.env, compose's env_file, or scripts/run-prod.sh).
APP_DIR=${CITY_APP_DIR:-$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)}
VENV=${CITY_VENV:-$APP_DIR/.venv}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-cityplatform.settings.production}
export PYTHONPATH=$APP_DIR/platform${PYTHONPATH:+:$PYTHONPATH}
cd "$APP_DIR"
# The production settings refuse to start without these (platform/cityplatform/settings/
# production.py, REQUIRED_ENVIRONMENT); say at once which are missing, before Python starts:
# DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL, PII_ENCRYPTION_KEYS, PII_HASH_KEY.
if [[ $DJANGO_SETTINGS_MODULE == cityplatform.settings.production ]]; then
  city_missing=()
  for city_name in DJANGO_SECRET_KEY DJANGO_ALLOWED_HOSTS DATABASE_URL PII_ENCRYPTION_KEYS \
    PII_HASH_KEY; do
    [[ -n ${!city_name:-} ]] || city_missing+=("$city_name")
  done
  if ((${#city_missing[@]})); then
    echo "$(basename -- "$0"): missing environment variables for the production settings:" \
      "${city_missing[*]} (see deploy/README.md)" >&2
    exit 78 # EX_CONFIG
  fi
  unset city_missing city_name
fi

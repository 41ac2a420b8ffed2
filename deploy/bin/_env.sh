# Sourced by the deploy/bin wrappers: the application directory, its virtualenv and the
# production settings. Every other setting comes from the environment (systemd's
# EnvironmentFile=/etc/cityservice/city.env, compose's env_file, or scripts/run-prod.sh).
APP_DIR=${CITY_APP_DIR:-$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)}
VENV=${CITY_VENV:-$APP_DIR/.venv}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-cityplatform.settings.production}
export PYTHONPATH=$APP_DIR/platform${PYTHONPATH:+:$PYTHONPATH}
cd "$APP_DIR"

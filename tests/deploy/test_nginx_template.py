"""deploy/bin/city-nginx-conf over deploy/nginx/city.conf.template: every variable of the recipe
is filled in, nginx's own variables are left alone, and the result passes `nginx -t`."""

import os
import re
import subprocess
from pathlib import Path

from tests.prerequisites import require_command

ROOT = Path(__file__).resolve().parents[2]


def render(tmp_path: Path, **extra: str) -> str:
    env = {
        "PATH": os.environ["PATH"],
        "CITY_DOMAIN": "zwfw.city.example",
        "WEB_UPSTREAMS": "10.0.0.11:8000 10.0.0.12:8000",
        "TLS_CERT": str(tmp_path / "tls.crt"),
        "TLS_KEY": str(tmp_path / "tls.key"),
        "DJANGO_STATIC_ROOT": "/var/lib/cityservice/static/",
        "DJANGO_MEDIA_ROOT": "/var/lib/cityservice/media",
        "DJANGO_PRIVATE_ROOT": "/var/lib/cityservice/private/",
        **extra,
    }
    out = subprocess.run(
        [ROOT / "deploy" / "bin" / "city-nginx-conf"], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_rendered_for_a_server(tmp_path):
    require_command("envsubst", "envsubst (Debian's gettext-base) is not installed")
    conf = render(tmp_path)
    assert not re.search(r"\$\{[A-Z_]+\}", conf)
    assert "server 10.0.0.11:8000 max_fails=3 fail_timeout=5s; server 10.0.0.12:8000" in conf
    assert "server_name .zwfw.city.example;" in conf
    assert "listen 443 ssl http2;" in conf and "listen 80 default_server;" in conf
    # On 443 the redirect carries no port; nginx's own variables survive envsubst.
    assert "return 301 https://$host$request_uri;" in conf
    assert "alias /var/lib/cityservice/static/;" in conf  # no doubled slash
    assert "client_max_body_size 100m;" in conf
    assert re.search(r"location \^~ /_protected_media/ \{\s+internal;", conf)
    # Private files: only an internal location maps their folder, with the download headers.
    private = re.search(r"location \^~ /_private_files/ \{(.*?)\}", conf, re.S)
    assert private and "internal;" in private.group(1)
    assert "alias /var/lib/cityservice/private/;" in private.group(1)
    assert 'Content-Security-Policy "sandbox"' in private.group(1)
    assert "nosniff" in private.group(1)
    assert conf.count("/var/lib/cityservice/private") == 1


def test_rendered_for_run_prod_ports(tmp_path):
    require_command("envsubst", "envsubst (Debian's gettext-base) is not installed")
    conf = render(tmp_path, HTTP_PORT="8080", HTTPS_PORT="8443", MAX_BODY="20m")
    assert "return 301 https://$host:8443$request_uri;" in conf
    assert "client_max_body_size 20m;" in conf


def test_nginx_accepts_it(tmp_path):
    # `make test` (as root: scripts/system-packages.sh) installs Debian's nginx (and openssl).
    nginx = require_command("nginx", "nginx is not installed (apt-get install nginx)")
    require_command("openssl", "openssl is not installed (apt-get install openssl)")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", tmp_path / "tls.key", "-out", tmp_path / "tls.crt", "-subj", "/CN=t"],
        check=True, capture_output=True,
    )  # fmt: skip
    (tmp_path / "nginx").mkdir()
    (tmp_path / "run").mkdir()
    (tmp_path / "log").mkdir()
    (tmp_path / "nginx" / "city.conf").write_text(
        render(tmp_path, HTTP_PORT="18080", HTTPS_PORT="18443")
    )
    template = (ROOT / "deploy" / "nginx" / "local.conf.template").read_text()
    (tmp_path / "nginx" / "nginx.conf").write_text(template.replace("${PROD_DIR}", str(tmp_path)))
    out = subprocess.run(
        [nginx, "-t", "-c", tmp_path / "nginx" / "nginx.conf", "-p", tmp_path / "nginx"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr

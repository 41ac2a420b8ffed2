from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpResponse
from django.views.static import serve


def tenant_media(request, path: str):
    """Serve an uploaded file only on the domain of the schema that owns it
    (files live under MEDIA_ROOT/<schema>/, so /media/<other schema>/… is a 404 here), except
    the city's brand images, which every portal shows. Case files are never served here."""
    own = path.startswith(f"{connection.schema_name}/")
    # The city's brand (logo, emblem) is shown on every portal.
    brand = path.startswith(f"{settings.PUBLIC_SCHEMA_NAME}/brand/")
    # Case scans and notices carry personal data: only the case desk serves them, to staff.
    private = path.startswith(f"{connection.schema_name}/cases/")
    # Evaluation evidence: only evaluation.scoring's permission-checked view serves it.
    private = private or path.startswith(f"{settings.PUBLIC_SCHEMA_NAME}/scoring/")
    if not (own or brand) or private or ".." in path.split("/"):
        raise Http404
    accel = getattr(settings, "MEDIA_X_ACCEL_REDIRECT", None)
    if accel:
        # Behind nginx (deploy/nginx/city.conf.template): checked here, sent by nginx.
        if not (Path(settings.MEDIA_ROOT) / path).is_file():
            raise Http404
        response = HttpResponse()
        del response["Content-Type"]  # nginx sets it from the file's extension
        response["X-Accel-Redirect"] = f"{accel.rstrip('/')}/{quote(path)}"
        return response
    return serve(request, path, document_root=settings.MEDIA_ROOT)

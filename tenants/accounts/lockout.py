"""The page (or JSON) shown when django-axes refuses a login after too many failures, in
Chinese and English whatever the interface language, since the user may not be able to switch
it while locked out."""

from django.conf import settings
from django.http import JsonResponse
from django.template.response import TemplateResponse


def lockout_response(request, original_response=None, credentials=None):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message_zh = (
        f"登录失败次数过多，该账号已被暂时锁定。请 {minutes} 分钟后再试，或联系管理员解锁。"
    )
    message_en = (
        f"Too many failed logins: this account is locked for now. Try again in {minutes} "
        "minutes, or ask an administrator to unlock it."
    )
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/") or request.headers.get("x-requested-with"):
        return JsonResponse(
            {"detail": message_zh, "detail_en": message_en, "code": "locked_out"}, status=status
        )
    response = TemplateResponse(
        request,
        "accounts/locked_out.html",
        {"message_zh": message_zh, "message_en": message_en},
        status=status,
    )
    return response.render()

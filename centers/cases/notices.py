"""Printed notices (PDF). Being rewritten with WeasyPrint in this session."""

from django.core.files.base import ContentFile

from .models import CaseDocument


def issue(case, kind: str) -> CaseDocument:
    document = CaseDocument(case=case, kind=kind)
    document.file.save(f"{kind}-{case.receipt_number}.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
    document.save()
    return document

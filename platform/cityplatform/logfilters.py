"""Personal data never reaches a log: resident ID numbers (居民身份证号) and mainland mobile
numbers are masked in every record's message, arguments, traceback and stack, by a filter
installed on every handler in LOGGING."""

import logging
import re

# 18 characters: 6 region digits, a birth date yyyymmdd, 3 sequence digits, a check character
# (a digit or X). A date is required so that other long numbers are left alone; the check
# character is not verified, so a mistyped number is masked as well.
_ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])"
    r"(\d{4})(\d{2}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3})([\dXx])"
    r"(?![0-9A-Za-z])"
)
# 11 digits starting 13-19, optionally after +86/86 and with spaces or dashes as 3-4-4.
_MOBILE = re.compile(r"(?<![0-9])((?:\+?86[ -]?)?1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?![0-9])")


def mask_personal_data(text: str) -> str:
    text = _ID_NUMBER.sub(lambda m: f"{m.group(1)}{'*' * 13}{m.group(3)}", text)
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


class PersonalDataFilter(logging.Filter):
    """Replace the record's message by its masked rendering (arguments included), and mask
    the traceback and stack text too. Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler to report
            return True
        record.msg = mask_personal_data(message)
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return True

"""上报/代办件 through the public-schema exchange. Being written in this session."""


def referral_withdraw_send(case, reason: str) -> None:
    raise NotImplementedError

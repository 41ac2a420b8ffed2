"""The demo city of `make run`, outside the product's apps (like `bench/`): `manage.py
seed_demo` builds it. Each module seeds one part of the product through that part's public
services, in the order of `management/commands/seed_demo.py`; nothing in the apps imports
this package."""

"""Packaging for the shop: one distribution holding the three tiers."""
from setuptools import find_packages, setup

requires = [
    "alembic>=1.13",
    "argon2-cffi>=23.1",
    "Babel>=2.14",
    "celery>=5.4",  # runs the jobs in production: workers and beat on RabbitMQ
    "colander>=2.0",
    "cryptography>=42",  # RSA2, SHA256withRSA, AES-256-GCM and X.509 checks of the payment gateways
    "deform>=2.0.15",
    "nh3>=0.2.15",
    "openpyxl>=3.1",  # the back office's XLSX order export: write-only mode streams rows, bounded memory
    "plaster_pastedeploy",
    "psycopg[binary]>=3.1",
    "phonenumbers>=8.13",  # validates mainland mobile numbers, normalizes them to E.164
    "pyramid>=2.0",
    "redis>=5.0",  # the flash-sale burst lane: atomic Lua scripts on a counter and a queue
    "pyramid_jinja2>=2.10",
    "pyramid_retry>=2.1",
    "pyramid_tm>=2.5",
    "segno>=1.6",  # the WeChat Pay Native QR code as inline SVG: pure Python, no imaging library
    "SQLAlchemy>=2.0.25",
    "transaction>=4.0",
    "waitress>=3.0",
    "zope.sqlalchemy>=3.1",
]

tests_require = [
    "hypothesis>=6.100",
    "import-linter>=2.0",
    "mypy>=1.10",  # strict types on the application tier, the library integrators import
    "playwright>=1.45",
    "pytest>=8.0",
    "pytest-xdist>=3.5",  # the suites on both cores: make test stays well under 20 minutes
    "ruff>=0.6",
    "WebTest>=3.0",
    "beautifulsoup4>=4.12",  # WebTest parses pages with it (response.html)
]

setup(
    name="shop",
    version="0.1.0",
    description="A three-tier B2C e-commerce platform: storefront, back office and a service library",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.11",
    package_dir={"": "src"},
    packages=find_packages("src"),
    include_package_data=True,
    zip_safe=False,
    install_requires=requires,
    extras_require={"test": tests_require},
    entry_points={
        "paste.app_factory": ["main = shop.presentation:main"],
        "console_scripts": ["shop-admin = shop.presentation.cli:main"],
    },
)

"""One validated settings object, read from `HEARTHWATCH_*` variables and an optional TOML file."""

from __future__ import annotations

import ipaddress
import os
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from hearthwatch.devices.firmware import SHIPPED_CATALOG, CatalogPath

PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "dev", "development"})

Environment = Literal["development", "test", "production"]
MailBackend = Literal["outbox", "smtp"]


def is_loopback(host: str | None) -> bool:
    """Whether `host` names this machine only (traffic to it never crosses a network)."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _refuse_plaintext_transport(settings: Settings) -> None:
    """Production keeps personal data encrypted in transit (P37). Plain HTTP or SMTP is
    allowed to a loopback address only: there it never leaves the machine (a local proxy
    that terminates TLS, or a local mail relay that sends on with its own TLS)."""
    url = urlsplit(settings.public_url)
    if url.scheme != "https" and not is_loopback(url.hostname):
        raise ValueError(
            f"HEARTHWATCH_PUBLIC_URL must be an https:// address in production, not "
            f"{settings.public_url!r}: serve TLS (HEARTHWATCH_TLS_CERT and _KEY) or put a "
            "TLS proxy in front"
        )
    secure_mail = settings.smtp_starttls or settings.smtp_tls
    if settings.mail_backend == "smtp" and not secure_mail and not is_loopback(settings.smtp_host):
        raise ValueError(
            f"mail to {settings.smtp_host} would travel unencrypted: set "
            "HEARTHWATCH_SMTP_STARTTLS=true (port 587) or HEARTHWATCH_SMTP_TLS=true (port 465)"
        )


class TomlFileSource(PydanticBaseSettingsSource):
    """Reads the file named by HEARTHWATCH_CONFIG, if any; environment variables win."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = os.environ.get("HEARTHWATCH_CONFIG")
        if not path:
            return {}
        with open(path, "rb") as handle:
            return tomllib.load(handle)


class Settings(BaseSettings):
    """Everything an operator can configure; validated once at start-up."""

    model_config = SettingsConfigDict(env_prefix="HEARTHWATCH_", extra="ignore")

    environment: Environment = "development"
    data_dir: Path = Path("./hearthwatch-data")
    database_url: str = ""
    # The address people reach the service at, for links in mail (mail/links.py). Unset,
    # `serve` and `demo` use the scheme, host and port they listen on.
    public_url: str = "http://127.0.0.1:8080"
    # Serve HTTPS directly (P37): a PEM certificate (chain) and its private key.
    tls_cert: Path | None = None
    tls_key: Path | None = None
    secret_key: str = ""
    master_key: str = ""

    mail_backend: MailBackend = "outbox"
    mail_from: str = "Hearthwatch <no-reply@hearthwatch.local>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False  # upgrade the connection with STARTTLS (port 587)
    smtp_tls: bool = False  # TLS from the first byte (implicit TLS, port 465)
    smtp_ca_file: Path | None = None  # CA certificates to trust for the SMTP server
    smtp_timeout_s: float = Field(default=10.0, gt=0)

    session_days: int = Field(default=30, ge=1, le=365)
    reset_code_minutes: int = Field(default=10, ge=1, le=60)
    reset_code_attempts: int = Field(default=5, ge=1, le=20)
    confirm_code_hours: int = Field(default=24, ge=1, le=168)
    login_failures_before_lock: int = Field(default=5, ge=1, le=100)
    # Rights requests and complaints (P25-P27).
    privacy_operator_email: str | None = None  # reminders and new requests go here
    # Accounts that answer rights requests in the web app and API: comma-separated e-mail
    # addresses (the privacy_operator_email is one too). See access/operators.py.
    operator_emails: str = Field(default="", max_length=4000)
    request_code_minutes: int = Field(default=30, ge=5, le=1440)
    request_repeat_days: int = Field(default=90, ge=0, le=3650)
    request_reminder_days: int = Field(default=7, ge=1, le=30)
    supervisory_authority_name: str = "your national data protection authority"
    supervisory_authority_url: str = "https://www.edpb.europa.eu/about-edpb/about-edpb/members_en"
    supervisory_authority_email: str | None = None
    # Who answers for the data (the controller), as the privacy notice names them (P27);
    # without an address of its own, the privacy operator's is shown.
    controller_name: str = Field(
        default="the operator of this Hearthwatch installation", min_length=2, max_length=200
    )
    controller_email: str | None = None
    controller_postal_address: str = Field(default="", max_length=400)
    stats_min_group: int = Field(default=10, ge=2, le=10_000)  # smaller groups are suppressed
    # Children under 16 (P4): how long a guardian has to consent, and how soon a reported
    # account without consent is deleted.
    guardian_consent_days: int = Field(default=14, ge=1, le=60)
    reported_child_days: int = Field(default=7, ge=1, le=30)
    login_lock_minutes: int = Field(default=15, ge=1, le=1440)
    login_rate_per_minute: int = Field(default=30, ge=1, le=10_000)
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    min_password_score: int = Field(default=3, ge=0, le=4)
    blob_backend: Literal["fs", "s3"] = "fs"
    s3_endpoint_url: str = ""
    s3_bucket: str = "hearthwatch"
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_region: str = "us-east-1"
    s3_prefix: str = ""
    keyring_url: str = ""
    segment_seconds: float = Field(default=4.0, ge=1.0, le=30.0)
    keep_free_disk_fraction: float = Field(default=0.05, ge=0.0, le=0.9)
    recorder_enabled: bool = True
    media_token_seconds: int = Field(default=300, ge=10, le=86400)
    # Live view over WebRTC: one STUN and one TURN server at most (aiortc uses one of each);
    # none by default, so only the host's own addresses are offered.
    webrtc_stun_url: str = Field(default="", pattern=r"^(stun:\S+)?$")
    webrtc_turn_url: str = Field(default="", pattern=r"^(turns?:\S+)?$")
    webrtc_turn_username: str = ""
    webrtc_turn_password: str = ""
    # Where personal data is stored, as the privacy notice names it (P46, P48): the country
    # or region of this server and its storage, e.g. "EU (Frankfurt, Germany)". Only the
    # operator knows it: unset, the notice says it was not named (never a made-up place).
    data_region: str = Field(default="", max_length=80, pattern=r"^(\S.*\S|\S)?$")
    # How long a materially changed privacy notice is announced before it applies (P48).
    notice_announce_days: int = Field(default=30, ge=1, le=365)
    # The server log (server_log.py): request lines kept on each node for this many days
    # (P36); 0 keeps none.
    server_log_days: int = Field(default=30, ge=0, le=365)
    log_level: str = "INFO"
    log_json: bool = True
    cookie_secure: bool | None = None
    # Firmware releases per camera model (devices/firmware.py); checked at start-up.
    firmware_catalog: CatalogPath = Field(default=SHIPPED_CATALOG, validate_default=True)
    # "Download my data" (privacy/export/service.py) and importing such an archive elsewhere.
    export_link_hours: int = Field(default=24, ge=1, le=168)
    export_sweep_minutes: float = Field(default=5.0, gt=0, le=1440)
    import_max_bytes: int = Field(default=8 * 1024**3, ge=1024 * 1024)
    import_max_members: int = Field(default=200_000, ge=10)
    import_max_json_bytes: int = Field(default=256 * 1024**2, ge=64 * 1024)
    # Networks (CIDR, or an address with a port: `127.0.0.1:8554`) cameras may be reached
    # on beyond the default policy, which refuses loopback, link-local, multicast and cloud
    # metadata addresses (security/outbound.py). Comma-separated.
    camera_allowed_networks: str = Field(default="", max_length=4000)
    # Alerts (issue 14): CA certificates to trust for users' MQTT brokers (mqtts://), besides
    # the system's (a broker with its own CA, as Home Assistant's Mosquitto often has).
    notify_mqtt_ca_file: Path | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, TomlFileSource(settings_cls)

    @field_validator("operator_emails")
    @classmethod
    def _address_list(cls, value: str) -> str:
        addresses = [part.strip().lower() for part in value.split(",") if part.strip()]
        for address in addresses:
            local, at, domain = address.partition("@")
            if not (local and at and "." in domain) or any(c.isspace() for c in address):
                raise ValueError(f"operator_emails: {address!r} is not an e-mail address")
        return ",".join(addresses)

    @field_validator("camera_allowed_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        from hearthwatch.security.allowed_networks import parse_allowed_networks

        parse_allowed_networks(value)  # a ValueError names the entry that is wrong
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("log_level must be DEBUG, INFO, WARNING or ERROR")
        return level

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        if self.environment == "development":
            return self
        for name in ("secret_key", "master_key"):
            value: str = getattr(self, name)
            if value and (value.lower() in PLACEHOLDER_SECRETS or len(value) < 32):
                raise ValueError(
                    f"HEARTHWATCH_{name.upper()} is a placeholder or shorter than 32 characters; "
                    "leave it unset to use the generated master key file"
                )
        if self.environment == "production":
            if self.mail_backend == "outbox":
                raise ValueError("the local mail outbox is for development; configure SMTP")
            if self.smtp_password.lower() in PLACEHOLDER_SECRETS - {""}:
                raise ValueError("HEARTHWATCH_SMTP_PASSWORD is a placeholder")
            _refuse_plaintext_transport(self)
        return self

    @model_validator(mode="after")
    def _one_tls_choice(self) -> Settings:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("HEARTHWATCH_TLS_CERT and HEARTHWATCH_TLS_KEY go together")
        if self.smtp_tls and self.smtp_starttls:
            raise ValueError("choose HEARTHWATCH_SMTP_TLS (port 465) or _SMTP_STARTTLS, not both")
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir.resolve() / 'hearthwatch.db'}"

    @property
    def resolved_keyring_url(self) -> str:
        """Wrapped data keys live apart from the data they protect (see security/datakeys.py)."""
        return self.keyring_url or f"sqlite:///{self.data_dir.resolve() / 'keyring.db'}"

    @property
    def serves_tls(self) -> bool:
        return self.tls_cert is not None

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.public_url.startswith("https://")

    @cached_property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

"""crm.context.operating_system_user: who on the host ran a command (issue 14 finding 10)."""

from __future__ import annotations

import os
import pwd

from crm.context import CLI, operating_system_user


class TestOperatingSystemUser:
    def test_it_is_the_real_uid_not_what_the_environment_claims(self, monkeypatch):
        """$USER and $LOGNAME are the caller's to set; the uid is the kernel's."""
        monkeypatch.setenv("USER", "mallory")
        monkeypatch.setenv("LOGNAME", "mallory")
        monkeypatch.delenv("SUDO_USER", raising=False)

        assert operating_system_user() == pwd.getpwuid(os.getuid()).pw_name

    def test_a_sudo_caller_is_named_beside_the_account_it_became(self, monkeypatch):
        monkeypatch.setenv("SUDO_USER", "alice")

        assert operating_system_user() == f"{pwd.getpwuid(os.getuid()).pw_name} (sudo: alice)"

    def test_the_commands_origin_carries_it(self):
        assert CLI.source_ip == "cli" and CLI.os_user

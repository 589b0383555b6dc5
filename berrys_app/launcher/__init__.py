"""The launcher: embedded servers, migrations and the process supervisor."""

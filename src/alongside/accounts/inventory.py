"""Privacy inventory entries for accounts (see alongside.privacy.inventory)."""

-- Accounts whose password was set by someone else (an administrator
-- creating the account with a password, or resetting it): the holder must
-- choose a new one before doing anything else. The row goes when the
-- holder changes the password. Holds no secret.
-- Identical in ../sqlite/0020_password_change_required.sql.

CREATE TABLE password_change_required (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL
);

"""Staff sign-in."""

"""Messages: the composer's drafts and their "what not to say" check (pure), the reminder
emails and calendar files. No models."""

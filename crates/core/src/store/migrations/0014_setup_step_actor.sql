-- Who last changed each setup step (the acting admin then), for the setup home's "who and when".
ALTER TABLE setup_steps ADD COLUMN updated_by TEXT REFERENCES members (id);

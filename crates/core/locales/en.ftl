# Liaison's messages in English. Every key here is also in ja.ftl (a test checks it).
# Arguments are written { $name }; numbers select plural forms.

## Used by the catalogue's own tests.
test-greeting = Hello, { $name }.
test-rows = { $count ->
    [one] { $count } row
   *[other] { $count } rows
}

## Errors (error.rs)
error-stored-data-unreadable = Liaison could not read its own stored data. The workspace database may be damaged; restore it from a backup or start a new workspace.

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

## Jobs (jobs/)
job-thread-failed = Liaison could not start the { $job } in the background. Close other programs and try again.
job-already-running = { $job ->
    [sync] A sync is already running. Wait for it to finish or cancel it.
    [delivery] Invitations are already being delivered. Wait for the delivery to finish or cancel it.
   *[other] This job is already running. Wait for it to finish or cancel it.
}
job-stopped-unexpectedly = The { $job } stopped unexpectedly. Its checkpoint is kept: run it again to continue, and send the log file to support if this repeats.

## Segments (segments/)
segment-rule-unreadable = “{ $rule }” is not a rule Liaison can read. Write FIELD OPERATOR VALUE, for example “country is Japan”, “email ends with @example.co.jp” or “city is empty”.
segment-unknown-field = No cached field is called “{ $field }”. It may be a custom sync field that was removed; choose another field or add the custom field again.
segment-op-not-for-field = “{ $op }” does not fit the field “{ $field }”. Choose an operator that suits its values.
segment-value-missing = The rule “{ $rule }” needs a value to compare with.
segment-not-a-number = The rule “{ $rule }” compares numbers, and “{ $value }” is not a number.
segment-not-a-date = The rule “{ $rule }” compares dates: write “{ $value }” as YYYY-MM-DD.
segment-not-a-flag = The rule “{ $rule }” takes yes or no.
segment-unknown-system = “{ $system }” is not a system Liaison knows people in: use marketo or salesforce.
segment-name-invalid = Give the segment a name of 1 to 120 characters.
segment-name-taken = A segment called “{ $name }” already exists. Choose another name.
segment-not-found = No segment is called “{ $name }”.

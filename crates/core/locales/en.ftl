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

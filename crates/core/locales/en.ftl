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

## OAuth and sign-in
oauth-invalid-address = { $address } is not a valid sign-in address.
oauth-revocation-needs-https = Liaison ends a sign-in only over HTTPS, and { $address } is not an HTTPS address. Use the https address of the login server.
oauth-request-not-sent = Liaison could not prepare the sign-in request. Try again; if it keeps failing, report it.
oauth-browser-failed = Liaison could not open your web browser to sign in ({ $reason }). Set the BROWSER environment variable to your browser and try again.
oauth-no-local-port = Liaison could not open a local port for the sign-in ({ $reason }).
oauth-listener-failed = The sign-in listener failed ({ $reason }).
oauth-sign-in-timed-out = The { $provider } sign-in did not finish within { $minutes } minutes. Click Connect to try again.
oauth-state-mismatch = The { $provider } sign-in response did not match the request Liaison made (state mismatch), so it was refused. Click Connect to start again.
oauth-consent-denied = The { $provider } sign-in was denied, so nothing was connected. Click Connect and choose Allow to connect.
oauth-sign-in-refused = { $provider } refused the sign-in ({ $error }: { $description }).
oauth-no-code = { $provider } returned without an authorization code.
salesforce-token-unreadable = Salesforce's token answer was not in the expected format.
salesforce-sign-in-expired = Salesforce says the sign-in has expired or was revoked. Reconnect Salesforce.
salesforce-client-rejected = Salesforce rejected the connected app's client ID or secret. Check the consumer key and secret in Salesforce Setup → App Manager.
salesforce-revocation-refused = Salesforce answered HTTP { $status } to the revocation.
dynamics-token-unreadable = Microsoft's token answer was not in the expected format.
dynamics-sign-in-expired = Microsoft says the sign-in has expired or was revoked ({ $description }). Reconnect Dynamics 365.
disconnect-salesforce-not-revoked = Salesforce was disconnected in Liaison, but Liaison could not end its sign-in at Salesforce. To end it now, revoke Liaison's access in Salesforce (Setup → Connected Apps OAuth Usage).
disconnect-not-found = That connection does not exist or was already disconnected.

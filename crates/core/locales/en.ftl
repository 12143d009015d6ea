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
oauth-not-http-address = { $address } is not an http(s) address.
salesforce-not-a-login-address = { $address } is not a login address: use production, sandbox, or your My Domain URL.
salesforce-session-not-accepted = Salesforce did not accept the new session.
salesforce-identity-refused = Salesforce refused the identity call (HTTP { $status }).
salesforce-identity-unreadable = Salesforce's identity answer was not in the expected format.
salesforce-client-id-required = The connected app's client ID (consumer key) is required.
salesforce-no-session = The Salesforce connection has no stored session. Reconnect Salesforce.
salesforce-no-refresh-token = The Salesforce session expired and no refresh token is stored. Reconnect Salesforce.
salesforce-unexpected-link = Salesforce returned an unexpected link { $link }.
salesforce-no-date = Salesforce sent no Date header.
salesforce-quota-used-up = Salesforce's daily API request limit for this org is used up. It frees up over the next 24 hours.
salesforce-access-denied = Salesforce denied access ({ $code }): { $message }
salesforce-answered = Salesforce answered { $code }: { $message }
dynamics-new-sign-in-not-accepted = Dynamics 365 did not accept the new sign-in (HTTP 401).
dynamics-no-session = The Dynamics 365 connection has no stored session. Reconnect Dynamics 365.
dynamics-sign-in-not-accepted = Dynamics 365 did not accept the sign-in (HTTP 401).
dynamics-answered = Dynamics 365 answered HTTP { $status }: { $message }
dynamics-display-name-required = A display name is required (for example “Dynamics 365 – production”).
dynamics-client-id-required = The application (client) ID from the Microsoft Entra app registration is required.
dynamics-no-refresh-token = The Dynamics 365 sign-in has no refresh token. Reconnect Dynamics 365.

## Export destinations (exports/destinations.rs)
export-privacy-notice = Data privacy and compliance: exporting sends the personal data of the people in your segments out of this workspace into the destination you choose. From then on the data is outside this workspace's compliance boundary, and your company is responsible for how it is used, stored and protected there, including consent and requests from the people concerned.
export-privacy-not-accepted = Accept the data-privacy notice before connecting the destination: the exported data leaves this workspace's compliance boundary.
export-destination-name-invalid = Give the destination a name of 1 to 120 characters.
export-list-id-invalid = “{ $list_id }” is not a Marketo static list ID. Copy the number from the list's URL in Marketo (Marketing Activities → the list).
export-destination-access-missing = Choose this workspace's Marketo connection, or give the REST endpoint, client ID and client secret of the Marketo API user to export with.
export-destination-secret-required = The client secret of the Marketo API user is required.
export-marketo-list-not-found = Marketo has no static list { $list_id }, or the API user cannot see it. Check the ID, and that the API user's role can read and write assets in the list's workspace.
export-destination-name-taken = A destination called “{ $name }” already exists. Choose another name.
export-destination-not-found = No export destination is called “{ $name }”.
export-not-an-export-user = Only the export users of “{ $name }” may change it or run its exports. Ask one of them to add you.
export-user-not-an-admin = { $email } is not an active admin of this workspace, so it cannot be an export user.
export-destination-delete-marketo = Delete “{ $name }”? Its exports stop and are removed; their run history stays readable. The static list “{ $list }” stays in Marketo as it is, with its members.
export-destination-delete = Delete “{ $name }”? Its exports stop and are removed; their run history stays readable. The list stays as it is.
export-destination-deleted = Deleted the destination “{ $name }”. Its list was left as it is.

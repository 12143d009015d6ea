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
salesforce-unexpected-answer = Salesforce answered in a way Liaison did not expect. Try again; if it keeps failing, send the log file to support.
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

## Workspace database (store)
store-upgrade-failed = Liaison could not upgrade the workspace database at { $path } ({ $reason }).
store-not-liaison = { $path } is an SQLite database, but not a Liaison workspace. Point Liaison at another data folder, or move this file away.
store-too-new = This workspace was last opened by a newer version of Liaison (schema { $version }; this version understands up to { $supported }). Install the newer Liaison to open it; nothing was changed.
store-corrupt = The workspace database is damaged or is not a database file. Move it aside and restart Liaison to start a new workspace, or restore it from a backup
store-busy = The workspace database is busy in another Liaison window or command. Try again in a moment
store-cannot-open = Liaison cannot open the workspace database for writing ({ $reason }). Check the folder's permissions
store-disk-full = The disk holding the workspace is full. Free some space and try again
store-io-failure = The workspace database could not be read or written ({ $reason })
store-constraint = The change clashes with existing data ({ $reason })
store-unexpected = Unexpected database error: { $reason }
store-error-in-database = { $message } (database: { $path })

## Data and log folders (paths, logging)
paths-no-home = This system reports no home data directory. Set { $env } to a writable folder.
paths-dir-unusable = The data directory { $path } cannot be used: { $reason }.
paths-unwritable = Liaison cannot write to { $path } ({ $reason }). Choose a folder you can write to with --data-dir or { $env }, or fix its permissions.
paths-is-a-file = it is a file, not a folder
logging-cannot-create = Liaison cannot create its log file in { $path } ({ $reason }).

## Credentials vault (vault)
vault-keychain-os = OS keychain
vault-keychain-file = key file
vault-keychain-memory = in-memory keychain
vault-no-key = The { $keychain } holds no Liaison key, but this workspace has stored credentials. If the keychain was reset, remove the connections and connect again; otherwise unlock the keychain and restart Liaison.
vault-wrong-key = The key in the keychain does not open this workspace's credentials (the keychain entry was replaced). Remove the connections and connect again.
vault-encrypt-failed = Encrypting a credential failed.
vault-secret-damaged = The stored credential "{ $name }" is damaged.
vault-secret-undecryptable = The stored credential "{ $name }" cannot be decrypted with the keychain's key.
vault-key-damaged = The Liaison key in the { $keychain } is damaged.
vault-keychain-unavailable = The OS keychain is unavailable or locked ({ $reason }). Unlock it (or start a Secret Service such as GNOME Keyring) and try again.
vault-keychain-refused = The OS keychain refused the request ({ $reason }).
vault-key-file-unreadable = Liaison cannot read its key file { $path } ({ $reason }).
vault-key-file-unwritable = Liaison cannot write its key file { $path } ({ $reason }).
vault-key-file-warning = No OS keychain is available, so credentials are protected by a key file ({ $path }) that only your user can read. Anyone with access to your account can read them; set up a keychain (Secret Service) for stronger protection.
vault-keychain-poisoned = keychain lock poisoned
vault-memory-warning = Credentials are kept in memory only and are lost when Liaison exits.
vault-unknown-keychain = { $env }="{ $value }" is not one of os, file, memory.

## Remote calls (http)
http-setup-failed = Could not set up HTTPS ({ $reason }).
http-budget-closed = HTTP budget closed
http-rejected-after-refresh = { $system } rejected Liaison's credentials again after renewing them ({ $what }). Reconnect the connection.
http-kept-failing = { $system } kept failing ({ $reason }) while { $what }; Liaison gave up after { $attempts } attempts. Try again later.
http-unreachable = Liaison could not reach { $host }. Check the address, your network and any proxy, then try again.

## Settings
settings-unknown-language = Unknown language "{ $value }": use system, en or ja.
store-unexpected-value = Unexpected value "{ $value }" in the workspace database.

## Members and admins (members)
members-email-required = An email address is required.
members-email-invalid = "{ $email }" is not a valid email address: { $reason }.
members-not-a-member = { $email } is not a member of this workspace.
members-not-activated = The workspace is not activated yet. Activate it first (setup step 1).
members-first-admin-name-required = The first admin's name is required.
members-already-activated = The workspace is already activated.
members-not-active-admin = { $email } is not an active admin, so Liaison cannot act as them.
members-no-client-secret = The workspace has no client secret yet; activate it first.
members-already-removed = { $email } was already removed.
members-r5-original-admin = { $email } is the workspace's original admin, and a data sync has been started, so they cannot be removed (rule R5). The original admin stays for the life of the workspace.
members-r9-owns-connections = { $email } owns { $connections }, so they cannot be removed yet (rule R9). Hand each connection over first: Settings → the connection → Hand over ownership.
members-last-admin = { $email } is the last active admin and cannot be removed.
members-already-member = { $email } is already a member of this workspace.

## Setup wizard (setup)
setup-activated-by = Activated by { $email }
setup-confirmed-by = Confirmed by { $email }
setup-unknown-state = Unknown setup step state "{ $value }" in the workspace database.
setup-unknown-step = Unknown setup step { $step } in the workspace database.
setup-steps-missing = The workspace database is missing setup steps.
setup-step-missing = Setup step { $step } is missing from the workspace database.
setup-no-checklist = Step { $step } completes itself when its work is done; it has no checklist.
setup-confirm-every-item = Confirm every item first. Still open: { $items }
checklist-package-installed = The Marketo Sales Insight package is listed in Salesforce under Setup → Installed Packages, at its latest version.
checklist-installed-for-users = The package is installed for the profiles of the sales users who will use it.
checklist-actions-settings = In Salesforce, the Sales Insight Actions settings are saved and linked to this workspace.
checklist-page-layouts = The Sales Insight components are on the Contact and Lead page layouts.
checklist-permissions = Sales users have the permission set for Sales Insight Actions.
package-salesforce-not-connected = Salesforce is not connected, so Liaison cannot look for the package. Connect Salesforce (setup step 2) or confirm the checklist instead.
package-list-unreadable = Salesforce's list of installed packages was not in the expected format.
package-access-denied = The Salesforce user { $username } may not read the org's installed packages (that needs the "View Setup and Configuration" permission), so Liaison cannot check step 6. Confirm the checklist instead, or grant the permission and verify again.
package-verified = Verified in Salesforce: { $name } is installed in org { $org }.
package-verified-version = Verified in Salesforce: { $name } ({ $version }) is installed in org { $org }.
package-not-installed = Marketo Sales Insight ({ $namespace }) is not installed in Salesforce org { $org }: the org lists { $listed } other package(s). Install it from AppExchange ({ $url }), then verify again.
package-outdated = { $name } { $version } is installed in Salesforce org { $org }, but the newest version is { $newest }. Upgrade it ({ $url }), then verify again.

## CSV invitations: reading the file (invites/csv)
csv-file-not-found = The file { $name } was not found. It may have been moved or renamed; choose it again.
csv-file-not-allowed = Liaison is not allowed to read { $name }. Check the file's permissions, or copy it to your Documents folder.
csv-file-unreadable = Liaison could not read { $name } ({ $reason }). Check the file and try again.
csv-file-is-folder = { $name } is a folder, not a file. Choose a .csv file.
csv-file-empty = The file { $name } is empty. Export the member list again, or download the template and fill it in.
csv-file-too-large = The file { $name } is { $size }, larger than the { $max } Liaison reads in one go. Split it into smaller files (at most { $rows } rows each) and invite each in turn.
csv-file-blank = The file { $name } contains only blank lines. Export the member list again, or download the template and fill it in.
csv-no-complete-row = The first { $size } of { $name } do not contain one complete row. The file may not be a CSV, or a quote (") is never closed.
csv-too-many-columns = The header row of { $name } has { $columns } columns; Liaison reads at most { $max }. Remove the unused columns and try again.
csv-no-data-rows = The file { $name } has a header row ({ $headers }) but no data rows. Add one row per person to invite below the header, then try again.
csv-no-header-no-email = Liaison found neither a header row nor a column of email addresses in { $name }. First row
csv-no-email-column = No column in { $name } is named like an email column or holds email addresses. Columns found
csv-add-email-column = { $what }: { $listed }. Add a column named “Email” (or “メールアドレス”) holding one address per row, or download the template.
csv-note-no-header = The file has no header row: the first row already holds data, and columns are named by position.
csv-note-too-many-rows = This file seems to hold about { $rows } rows; Liaison invites at most { $max } from one file, so validation will stop there. Split the file first.
csv-file-is-xlsx = { $name } is an Excel workbook (or another zip file), not a CSV file. In Excel, choose File → Save As → “CSV UTF-8 (Comma delimited)” and choose the saved file.
csv-file-is-xls = { $name } is an old-format Excel workbook (.xls), not a CSV file. In Excel, choose File → Save As → “CSV UTF-8 (Comma delimited)” and choose the saved file.
csv-file-is-pdf = { $name } is a PDF document, not a CSV file. Choose a .csv file.
csv-file-utf16-no-bom = { $name } is encoded in UTF-16 without a byte-order mark, which Liaison cannot read reliably. Save it as UTF-8 (“CSV UTF-8” in Excel) and try again.
csv-file-binary = { $name } does not look like a text file: it contains control characters or NUL bytes (first on line { $line }). Choose a CSV file exported from a spreadsheet or your directory.
csv-note-shift-jis = The file is not UTF-8; its contents look like Shift_JIS (Japanese Windows), so it is read as Shift_JIS.
csv-note-windows-1252 = The file is not UTF-8; its contents look like Windows-1252 (Western European), so it is read as windows-1252.
csv-note-latin = The file is not UTF-8. It looks like { $encoding } but is read as windows-1252, so a few accented letters in names may show wrongly; email addresses are not affected. Save it as CSV UTF-8 for exact names.
csv-unsupported-encoding = { $name } appears to be encoded in { $encoding }, which Liaison cannot read. Liaison reads UTF-8, UTF-16 with a byte-order mark, Shift_JIS and Windows-1252. Save the file as UTF-8 (“CSV UTF-8” in Excel) and try again.
csv-decoder-full = The sample decoder ran out of room; please report this.
csv-hint-mixed-encodings = The file may mix encodings (for example a line pasted from a Shift_JIS or Windows-1252 file).
csv-hint-other-encoding = The file may use a different encoding than the start of it suggests.
csv-undecodable = Line { $line } of { $name } contains bytes that are not valid { $encoding }. { $hint } Open it in Excel or a text editor, save it as UTF-8 (“CSV UTF-8” in Excel) and try again.
csv-start-unreadable = The start of the file could not be read as CSV ({ $reason }).
csv-file-changed = { $name } changed after it was checked (its size is different). Choose the file again so Liaison reads the current version.
csv-row-too-long = The row starting on line { $line } of { $name } is longer than { $size }. A quote (") is probably opened and never closed; check that line in a text editor.
csv-line-too-many-cells = Line { $line } of { $name } has { $cells } cells; Liaison reads at most { $max } columns. Check the line in a text editor.
csv-too-many-rows = { $name } has more than { $max } data rows, the most Liaison invites from one file. Split it into files of at most { $max } rows and invite each in turn.
csv-read-interrupted = Liaison could not finish reading { $name } after line { $line } ({ $reason }). Check the file and try again.
csv-parse-failed = { $name } could not be read as CSV after line { $line } ({ $reason }).
csv-header-but-no-rows = { $name } has a header row but no data rows. Add one row per person to invite below the header, then try again.
csv-write-failed = Liaison could not write the CSV file ({ $reason }). Check the folder and free space.

## CSV invitations: mapping columns to fields
csv-field-email = email
csv-field-first-name = first name
csv-field-last-name = last name
csv-field-full-name = full name
csv-field-role = role
csv-field-teams = teams
csv-names-none = none
csv-names-and-more = { $names }, and { $more } more
csv-saved-mapping-missing-column = The saved mapping uses the column “{ $header }” for { $field }, but this file has no such column. Columns found: { $columns }. Map the { $field } column again.
csv-column-does-not-exist = Column { $column } does not exist: the file has { $columns } columns.
csv-email-not-mapped = No column is mapped to email, and every invitation needs one. Choose the column that holds the email addresses (columns found: { $columns }).
csv-mapping-column-gone = The { $field } mapping points at column { $column }, but the file has { $columns } columns. Map it again.
csv-column-mapped-twice = The column “{ $column }” is mapped to both { $field } and { $other }. A column can feed only one field; change one of them.

## CSV invitations: row issues (IssueCode) and email checks
csv-issue-missing-email = This row has no email address, so nobody can be invited from it.
csv-issue-invalid-email = “{ $email }” is not a valid email address: { $reason }.
csv-issue-duplicate-in-file = { $email } already appears on row { $row }; only the first row with this address is invited.
csv-issue-already-member = { $email } is already a member of this workspace; the row is skipped.
csv-issue-already-invited = { $email } already has a pending invitation; the row is skipped (resend it from User Management if needed).
csv-issue-unknown-role = “{ $role }” is not a role Liaison knows. Use admin or user (管理者 or ユーザー), or leave the cell empty for user.
csv-issue-extra-cells = { $count ->
    [one] This row has { $count } more non-empty cell than the header ({ $cells }); it is ignored.
   *[other] This row has { $count } more non-empty cells than the header ({ $cells }); they are ignored.
}
csv-email-whitespace = it contains a space
csv-email-full-width = it contains full-width characters; type it again in half-width (ASCII) characters
csv-email-no-at = it has no @
csv-email-several-at = it has more than one @
csv-email-empty-local = there is nothing before the @
csv-email-empty-domain = there is nothing after the @
csv-email-local-too-long = the part before the @ is longer than 64 characters
csv-email-too-long = it is longer than 254 characters
csv-email-local-non-ascii = the part before the @ contains “{ $char }”; only ASCII letters, digits and . _ - + are accepted there
csv-email-local-char = the part before the @ contains “{ $char }”, which mail servers do not accept
csv-email-local-dots = the part before the @ starts or ends with a dot, or has two dots in a row
csv-email-ip-literal = the domain is an IP address; use the mail domain name instead
csv-email-domain-idn = the domain is not a valid internationalised domain name
csv-email-domain-too-long = the domain is longer than 253 characters
csv-email-domain-dots = the domain starts or ends with a dot, or has two dots in a row
csv-email-domain-label-too-long = a part of the domain is longer than 63 characters
csv-email-domain-chars = the domain contains a character other than letters, digits, dots and hyphens
csv-email-domain-hyphen = a part of the domain starts or ends with a hyphen
csv-email-domain-no-dot = the domain has no dot (for example example.com)
csv-email-domain-numeric-tld = the domain ends in a number, not a top-level domain such as .com or .jp

## Teams (invites/teams)
teams-name-length = A team name needs 1 to 80 characters.
teams-already-exists = A team called “{ $name }” already exists.
teams-member-removed = { $email } was removed from the workspace. Invite them again to give them teams.
teams-member-disappeared = The member disappeared while their teams were saved.
teams-unknown = There is no team called { $unknown }. Existing teams: { $existing }. Create the team first (User Management → Teams) or fix the name.

## Invitations (invites)
invites-row-incomplete = An invitation row is incomplete.
invites-expiry-range = Invitations can stay valid for 1 to 90 days.
invites-already-member = { $email } is already a member of this workspace, so no invitation was sent.
invites-already-invited = { $email } already has a pending invitation (sent { $sent }). Resend it from User Management if the email was lost; a second invitation was not created.
invites-no-pending = { $email } has no pending invitation (it may have been accepted, revoked or expired). Invite them again instead.
invites-link-unusable = This invitation link cannot be used: { $reason }
invites-link-not-a-code = it is not a Liaison invitation code. Ask an admin for a new invitation.
invites-link-expired = it has expired. Ask an admin to resend the invitation.
invites-link-superseded = a newer invitation was sent; use the link in the latest email.
invites-link-revoked = the invitation was withdrawn.
invites-link-used = it was already used.
invites-accept-race = This invitation was used or withdrawn a moment ago.
setup-first-invitation-sent = First invitation sent to { $email }

## CSV batches (invites/batches)
batch-excluded = Excluded by the admin during the review.
batch-row-reasons = { $reasons }
batch-unknown-role = The role is not one Liaison knows.
batch-duplicate = { $email } already appears on an earlier row; only the first row with this address is invited.
batch-results-source-gone = The results file repeats the columns of { $path }, which can no longer be read ({ $reason }). Put the file back where it was, then save the results again.
batch-row-not-in-batch = This row was not part of the batch (the file changed after it was sent).

## Sending invitations (invites/outbox)
outbox-cancelled-resent = Replaced by a newer invitation (resent).
outbox-cancelled-revoked = The invitation was revoked.
outbox-cancelled-replaced = The invitation was revoked or replaced before this message was sent.
outbox-cancelled-member-changed = The member was removed or joined before this message was sent.
outbox-cancelled-expired = The invitation expired before this message could be sent; resend it.
outbox-body-missing = The message content is missing from the vault; resend the invitation.
outbox-busy = Invitations are already being sent by another Liaison window or command. Wait for it to finish (or for about a minute if it was closed), then try again.
outbox-interrupted = Liaison was stopped while this message was being handed to the mail server, so it may or may not have been delivered. It is not sent again automatically; resend the invitation if the person did not receive it.
outbox-gave-up = { $error } Liaison tried { $attempts } times and stopped; the remaining invitations stay queued and go out on the next send.
outbox-notice-sent = Invitations sent
outbox-notice-stopped = Sending invitations stopped
outbox-notice-body = { $sent } sent{ $failed ->
        [0] {""}
       *[other] , { $failed } failed
    }{ $uncertain ->
        [0] {""}
       *[other] , { $uncertain } uncertain (not resent; check with the recipients)
    }{ $remaining ->
        [0] {""}
       *[other] , { $remaining } still queued
    }.

## Email server and invitation emails (invites/smtp, invites/email)
smtp-host-required = Enter the mail server's host name (for example smtp.example.com), without https:// or a path.
smtp-port-required = Enter the mail server's port (587 for STARTTLS, 465 for TLS).
smtp-sender-unusable = The sender address is not usable. { $reason }
smtp-plain-password = With no encryption, the password would cross the network to { $host } in plain text. Choose STARTTLS or TLS, or leave the user name empty for a relay that needs no sign-in.
smtp-not-configured = The email server is not set up yet, so invitations cannot be sent. Set it up in Settings → Email (or use the sandbox), then send again; queued invitations are kept.
smtp-address-invalid = "{ $address }" is not a valid email address.
smtp-address-bad-domain = The domain of "{ $address }" is not a valid domain name.
smtp-address-unusable = "{ $address }" cannot be used as an address ({ $reason }).
smtp-build-failed = Liaison could not build the email ({ $reason }).
smtp-tls-setup-failed = TLS cannot be set up for { $host } ({ $reason }).
smtp-no-starttls = The mail server { $server } does not offer STARTTLS, so Liaison did not send anything. Choose TLS (usually port 465) if the server supports it, or check the port.
smtp-sign-in-refused = The mail server { $server } did not accept the sign-in for { $user } ({ $reply }). Check the user name and password in Settings → Email.
smtp-tls-failed = The secure connection to { $server } failed ({ $reason }). Check the TLS mode and port: STARTTLS usually uses 587, TLS 465.
smtp-connection-refused = The mail server { $server } refused the connection ({ $reply }).
smtp-unreachable = Liaison could not reach the mail server { $server } ({ $reason }). Check the host, the port and your network; queued invitations are kept and go out on the next try.
smtp-no-connection = No connection to the mail server is open.
smtp-message-refused = The mail server { $server } refused the message to { $to }: { $reply }.
smtp-message-try-later = The mail server { $server } asked to try again later for { $to }: { $reply }.
smtp-broke-before-handover = The connection to { $server } broke before the message to { $to } was handed over ({ $reason }).
smtp-broke-after-handover = The connection to { $server } broke after the message to { $to } was handed over ({ $reason }), so it may or may not have been delivered. Liaison will not send it again on its own; resend the invitation if the person did not receive it.
email-workspace-name-too-long = The workspace name can have at most 100 characters.
email-join-base-not-a-link = "{ $base }" is not a link. Enter a full address such as https://liaison.example.com/join.
setup-connected-by = Connected by { $email } as { $name }
setup-disconnected-by = Disconnected by { $email }
setup-sync-people-cached = { $count } people in the cache

## Connection ownership and handover (connections/ownership)
ownership-another-admin = another admin
ownership-the-owner = the owner
ownership-you-own-it = You already own the { $label } connection. Disconnect it first to connect again.
ownership-granted-cannot-connect = You have been granted access to { $owner }'s { $label } connection, so you cannot connect (rule R7). To take it over, ask { $owner } to start a handover, which removes your access first.
ownership-handover-already-connected = You are already connected for this handover; { $owner } now disconnects to finish it.
ownership-owned-by-another = { $owner } owns the { $label } connection, and only one can exist at a time (rule R7). To take it over, ask { $owner } to hand it over to you.
ownership-activate-first = Activate the workspace first (setup step 1).
ownership-new-connection-vanished = The new connection vanished.
ownership-owner-only = Only { $owner } can { $action ->
    [grant] grant access to
    [revoke] remove access to
    [handover] hand over
   *[disconnect] disconnect
} { $name } — the admin who connected it (rule R6).
ownership-handover-not-connected-yet = { $to } has not connected yet. Disconnecting now would cut every member off; wait until { $to } connects (handover step 2), or cancel the handover.
ownership-not-an-active-admin = { $email } is not an active admin; access is for admins.
ownership-owner-needs-no-grant = You own this connection; you need no grant.
ownership-already-has-access = { $email } already has access.
ownership-no-access-to-remove = { $email } has no access to remove.
ownership-several-no-handover = { $label } connections can be several; connect another instead of handing over.
ownership-nothing-to-hand-over = There is no { $label } connection to hand over.
ownership-handover-in-progress = A handover is already in progress; finish or cancel it first.
ownership-handover-to-self = Choose another admin to hand the connection over to.
ownership-no-handover = No handover is in progress.
ownership-cancel-not-a-party = Only the two admins in the handover can cancel it.
ownership-handover-new-connected = The new admin has already connected; finish the handover by disconnecting the old connection.

## Marketo (connections/marketo)
marketo-not-an-address = "{ $input }" is neither a Munchkin ID (like 123-ABC-456) nor a URL. Copy the REST endpoint from Marketo's Admin → Web Services.
connection-not-http-address = "{ $input }" is not an http(s) address.
marketo-no-client-secret = The Marketo connection has no stored client secret. Reconnect Marketo.
marketo-bad-response = Marketo answered in an unexpected format: { $what }.
marketo-what-file-was-json = a file download answered with JSON
marketo-what-no-date-header = no Date header
marketo-what-describe-no-list = describe returned no result list
marketo-what-identity-status = the identity endpoint answered HTTP { $status }; check the address
marketo-what-not-found = HTTP 404 — the REST endpoint address is probably wrong (it ends in .mktorest.com)
marketo-what-error-code = error { $code }: { $message }
marketo-what-no-email-field = the lead database has no email field
marketo-credentials-rejected = Marketo rejected the client ID or client secret. Copy both again from Marketo's Admin → LaunchPoint → View Details.
marketo-request-too-large = The request was too large for Marketo (HTTP 413).
marketo-url-too-long = The request URL was too long for Marketo (HTTP 414).
marketo-quota-used-up = Marketo's daily API quota is used up (607). It resets at midnight US Central time; Liaison will continue then.
marketo-extract-volume-used-up = Marketo's daily bulk-extract volume is used up (1029: { $message }). It resets at midnight US Central time.
marketo-access-denied = Marketo denied access (603): the API user's role lacks a permission Liaison needs (Read-Write Lead, Read-Write Assets), or your IP is not allowed.
marketo-credentials-required = Both the client ID and the client secret are required.

## Other connections (connections/campaign, connections/dynamics)
connection-not-a-valid = "{ $input }" is not a valid { $what }.
campaign-what-api-address = API address
campaign-what-ims-address = IMS address
dynamics-what-org-url = server address (the org's Sales URL)
dynamics-what-authority = sign-in authority
campaign-credentials-rejected = Adobe IMS rejected the client ID or client secret. Copy both again from the Adobe Developer Console (OAuth Server-to-Server credential).
campaign-ims-unreadable = Adobe IMS answered in an unexpected format.
campaign-credentials-required = The organization (tenant) ID, client ID and client secret are all required.
campaign-calls-per-minute-out-of-range = { $value } calls a minute is outside what Liaison accepts for Adobe Campaign: give the figure your Campaign licence allows, from { $min } to { $max } (or leave it empty for 600).
campaign-unknown-error = unknown error
campaign-answered = Adobe Campaign answered HTTP { $status }: { $message }. Check the organization ID and the product profile of the credential.

## Connection health checklist (connections/health)
health-connection-not-found = That connection does not exist or was disconnected.
health-marketo-credentials-ok = Marketo accepted the client ID and secret.
health-marketo-read-leads = Liaison can read the lead database ({ $fields } fields).
health-marketo-lists = Liaison can read static lists.
health-marketo-quota-reached = { $used } API calls were used today: the default daily quota of { $quota } is reached. Jobs wait for the reset at midnight US Central time.
health-marketo-quota-left = { $used } API calls used today; about { $left } left of the default { $quota }. Liaison keeps to 100 calls per 20 seconds and 10 at once.
health-salesforce-signed-in-as = Signed in as { $username }.
health-salesforce-read-object = Liaison can read { $object } records ({ $fields } fields).
health-salesforce-cannot-query = The signed-in user cannot query { $object }. Give them read access to { $object } in their profile or a permission set.
health-salesforce-tasks-ok = Liaison can log activities as Tasks.
health-salesforce-cannot-create-tasks = The signed-in user cannot create Tasks, so activities cannot be logged. Grant Create on Task.
health-salesforce-quota-used-up = The org's daily API requests are used up (0 of { $max } left).
health-salesforce-quota-left = { $left } of { $max } daily API requests left.
health-dynamics-credentials-ok = Dynamics 365 accepted the sign-in (WhoAmI).
health-dynamics-can-read = Liaison can read { $what ->
    [contacts] contacts
   *[lists] marketing lists
}.
health-campaign-no-secret = The Campaign connection has no stored secret. Reconnect Adobe Campaign.
health-campaign-credentials-ok = Adobe IMS and Campaign accepted the credential; profiles can be read.
health-campaign-read-services = Liaison can read subscription services.

## The browser page after a sign-in (connections/oauth)
oauth-page-refused-title = Sign-in refused
oauth-page-refused = This sign-in response did not come from the request Liaison started. Return to Liaison and click Connect again.
oauth-page-cancelled-title = Sign-in cancelled
oauth-page-close-tab = You can close this tab and return to Liaison.
oauth-page-incomplete-title = Sign-in incomplete
oauth-page-incomplete = The response carried no authorization code.
oauth-page-signed-in-title = Signed in
oauth-page-signed-in = Liaison is finishing the connection. You can close this tab and return to Liaison.

## Sync fields (sync/fields)
fields-marketo-no-email-cannot-match = Marketo's lead database has no email field, so people cannot be matched. Check the API user's permissions.
fields-salesforce-no-email = The Salesforce user cannot read the Email field of Contact and Lead. Grant read access to it (field-level security).
fields-note-incompatible = The systems store different kinds of values here; it is not synced.
fields-note-neither = Neither system has this field.
fields-note-salesforce-only = Marketo has no such field: the value comes from Salesforce only.
fields-note-marketo-only = Salesforce has no such field: the value comes from Marketo only.
fields-note-leads-only = Contacts have no such field (only Leads do).
fields-system-has-no-field = { $system } has no field "{ $name }"
fields-missing-and = { $first }; { $rest }
fields-note-missing = { $missing } (it no longer exists or the API user cannot read it).
fields-marketo-no-email = Marketo's lead database has no email field.
fields-not-an-api-name = "{ $name }" is not a { $system } API field name: use the API name (letters, digits and _, like Region__c), not the label.
fields-custom-name-invalid = Give the custom field a name of 1 to 80 characters.
fields-custom-no-api-name = Name the field's API name in Marketo, Salesforce or both.
fields-custom-exists = A custom field named "{ $label }" exists already.
fields-custom-too-many = At most 50 custom fields can be synced.
fields-custom-not-found = There is no custom field "{ $key }".
fields-marketo-describe-no-list = Marketo's describe2 answer has no field list.
fields-salesforce-describe-no-list = Salesforce's describe of { $object } has no field list.

## Sync settings, runs and records (sync/)
sync-settings-schedule-invalid = The schedule must be between 5 and 1,440 minutes, or 0 to turn it off.
sync-settings-ceiling-invalid = The quota ceiling must be between 1% and 100%.
sync-settings-quota-invalid = Marketo's daily quota must be a positive number of calls.
sync-settings-activity-days-invalid = Activities can be logged for at most the last 365 days.
sync-settings-history-not-a-date = "{ $value }" is not a date: write the Marketo history start as YYYY-MM-DD.
sync-settings-history-too-early = Marketo holds nothing from before 2006: choose 2006-01-01 or later.
records-extract-no-header = Marketo's extract file has no readable header ({ $reason }).
records-extract-lacks-columns = Marketo's extract file lacks the id, email, createdAt or updatedAt column.
records-extract-malformed = Marketo's extract file is malformed at row { $row } ({ $reason }).
activities-task-batch-no-list = Salesforce answered the Task batch without a result list.
sync-already-running = A sync is already running (in this window or another Liaison process). Wait for it or cancel it.
sync-marketo-not-connected = Marketo is not connected, so there is nothing to sync. Connect it in Settings → Marketo (setup step 3).
sync-salesforce-not-connected = Salesforce is not connected, so there is nothing to sync. Connect it in Settings → Salesforce (setup step 2).
sync-health-item = { $name }: { $detail }
sync-cannot-start = The sync cannot start: { $reason }
sync-cannot-start-health = The sync cannot start. { $problems } Fix this (reconnect in Settings if asked), then start the sync again.
sync-field-gone = The synced field "{ $field }" no longer exists in Marketo or Salesforce. Open the field preview, review the mapping and save it again.
sync-custom-types-differ = its types differ between the systems.
sync-custom-field-unsyncable = The custom field "{ $label }" cannot be synced: { $why } Fix or remove it in the field preview, then start the sync again.
sync-continuing = Continuing the interrupted sync from its last checkpoint.
records-created-not-a-date = The lead's createdAt is not a date.
records-updated-not-a-date = The lead's updatedAt is not a date.
records-updated-missing = The lead's updatedAt is missing or not a date.
records-modstamp-missing = The { $object }'s SystemModstamp is missing or not a date.
sync-record-no-email = The record has no usable email address, so it cannot be matched to a person.
sync-record-duplicate = Another { $system } record in this sync has the email { $email }; only the first was merged.
sync-notice-stopped = The sync stopped
sync-notice-cancelled = Sync cancelled
sync-notice-finished = Sync finished
sync-notice-body = { $created } created, { $updated } updated, { $deleted } deleted, { $tasks } tasks logged, { $errors } errors.

## Sync quota (sync/run/quota)
quota-marketo-over-ceiling = This run needs about { $calls } Marketo calls, more than the { $pct }% ceiling ({ $ceiling } of { $quota }). Raise the ceiling or start the Marketo history later.
quota-marketo-not-enough-left = This run needs about { $calls } Marketo calls but only { $left } are left today. It can run after midnight US Central time.
quota-salesforce-over-ceiling = This run needs about { $calls } Salesforce requests, more than the { $pct }% ceiling ({ $ceiling } of { $max }).
quota-salesforce-not-enough-left = This run needs about { $calls } Salesforce requests but only { $left } are left in the org's 24-hour allowance.
quota-paused-until = { $cause } Paused; continues after { $at } UTC (midnight US Central).
quota-paused-salesforce = { $cause } Paused; Liaison checks the allowance and continues when requests are free.
quota-reset-continuing = The quota reset; the sync continues.
sync-marketo-no-paging-token = Marketo returned no paging token.
sync-checkpoint-lost-windows = The sync checkpoint lost its Marketo windows.
sync-marketo-no-export-id = Marketo created an extract without an exportId.
sync-cli-estimate = Next run ({ $full ->
        [full] full
       *[incremental] incremental
    }): about { $marketo } Marketo calls ({ $used } used today of { $quota }; ceiling { $marketo_ceiling }) and { $salesforce } Salesforce requests ({ $left } left of { $max }; ceiling { $salesforce_ceiling }); about { $minutes } min on Marketo's clock.
sync-no-cursor = The sync has no { $cursor } checkpoint; run a full sync (liaison sync run --full).

## Why a remote call is retried (http; shown when the retries run out)
http-reason-timed-out = { $host } did not answer in time
http-reason-connection-failed = the connection to { $host } failed
http-reason-status = { $system } answered HTTP { $status }
http-reason-not-json = the response was not JSON
http-reason-cut-off = the response was cut off
http-reason-download-cut-off = the file download was cut off
http-reason-token-malformed = the token response was malformed
marketo-reason-identity-status = identity answered HTTP { $status }
marketo-reason-no-success-flag = the response had no success flag
marketo-reason-rate-limit = rate limit (606: { $message })
marketo-reason-concurrency = too many concurrent calls (615)

## What a remote call was doing (http; shown when it keeps failing)
http-what-marketo-token = getting a Marketo access token
http-what-ims-token = getting an Adobe IMS token
http-what-calling = calling { $system } { $path }
http-what-calling-campaign = calling Adobe Campaign
http-what-downloading = downloading { $system } { $path }
http-what-exchanging-sign-in = exchanging the { $system } sign-in for tokens
http-what-revoking-sign-in = revoking the { $system } sign-in
http-what-next-page = reading the next page from { $system }
http-what-querying-salesforce = querying Salesforce ({ $resource })
http-what-salesforce-user = reading the signed-in Salesforce user
http-what-salesforce-clock = reading Salesforce's clock
http-what-checking-dynamics = checking the Dynamics 365 connection

## The desktop shell (src-tauri)
desktop-clipboard-failed = Liaison could not use the clipboard. Copy the secret by hand from the revealed field instead.
desktop-sandbox-not-running = The built-in sandbox is not running; start it from the Setup page.
desktop-csv-not-open = Choose the CSV file again; Liaison no longer has it open.
desktop-no-batch-results = There are no batch results to save yet.
desktop-template-write-failed = Liaison could not write the template ({ $reason }).
desktop-location-unusable = That location cannot be used ({ $reason }).
desktop-file-write-failed = Liaison could not write { $path } ({ $reason }).
desktop-task-stopped = A background task stopped unexpectedly. Try again; if it repeats, send the log file to support.
desktop-client-secret-required = The client secret is required.
desktop-sandbox-failed = The built-in sandbox could not start ({ $reason }).
desktop-step-has-no-checklist = This step has no checklist; it completes itself.

## Exports and their runs
export-already-running = The export “{ $name }” is already running (in this or another Liaison window). Wait for it to finish or cancel it there.
export-attribute-unknown = “{ $attribute }” is not an attribute an export can deliver. Use email, first_name, last_name, city, state or country.
export-attribute-twice = The attribute “{ $attribute }” is mapped twice. Map each attribute once.
export-cache-field-unknown = The cached field “{ $field }” does not exist (or holds no text). Pick one of the fields listed for segments.
export-cannot-run = The export “{ $name }” cannot run: { $why }
export-continuing = Continuing the interrupted run from its checkpoint.
export-csv-email = Email
export-csv-outcome = Outcome
export-csv-reason = Reason
export-destination-not-marketo = The destination “{ $name }” is not a Marketo list.
export-file-not-written = The export file could not be written.
export-following-import = Following Marketo import { $batch }, handed over before the interruption.
export-adding-to-list = Adding { $count } people to the list by their Marketo lead IDs (their import without the list is complete; IDs not known yet are looked up by email).
export-lead-not-found = Marketo no longer knows this person's lead ID and finds no lead with their email address.
export-no-second-lane = This destination has no second import lane.
export-marketo-field-refused = Marketo refused the field “{ $field }”. Check the export's mapping against the fields of your Marketo instance.
export-name-invalid = Give the export a name of 1 to 120 characters.
export-name-taken = An export called “{ $name }” already exists. Choose another name.
export-no-batch-id = the import was accepted without a batch ID
export-not-found = There is no export called “{ $name }”.
export-notice-cancelled = Export “{ $name }” cancelled
export-notice-finished = Export “{ $name }” finished
export-notice-stopped = Export “{ $name }” stopped
export-notice-body = { $added } added, { $updated } updated, { $removed } removed, { $failed } failed, { $skipped } skipped (no valid email).
export-outcome-failed = failed
export-outcome-skipped = skipped
export-outcome-warning = warning
export-schedule-invalid = “{ $schedule }” is not a schedule. Use manual, after-sync or hours:N (N from 1 to 168).
export-segment-broken = The segment “{ $segment }” cannot be exported: { $why }
export-segments-missing = Choose at least one segment to export.
export-skip-invalid-email = The email address is not valid: { $reason }
export-skip-no-email = The person has no email address.
export-skip-non-ascii-email = Marketo accepts email addresses in ASCII characters only.
export-target-field-missing = Marketo has no lead field “{ $field }”. Check the destination's Marketo instance or remove the attribute.
export-too-many-people = The export “{ $name }” would deliver { $count } people; one export may deliver at most { $max } (R12). Narrow its segments.
export-waiting-for-marketo = Marketo is busy with other imports; the file is handed over as soon as it has room.
http-what-uploading = uploading to { $system } { $path }
segment-used-by-exports = The segment “{ $name }” cannot be deleted: the exports { $exports } use it. Remove it from them first.
export-created = Saved the export “{ $name }”. It runs when you run it or on its schedule (saving never runs it).
export-updated = Saved the changes to the export “{ $name }” (it did not run).
export-deleted = Deleted the export “{ $name }”. Its history stays; the list in the destination is left as it is.
export-none-yet = No exports yet: `liaison export create NAME --destination D --segment S`.
export-never-ran = The export “{ $name }” has not run yet.
export-history-line = { $started } { $state }: { $added } added, { $updated } updated, { $removed } removed, { $unchanged } unchanged, { $skipped } skipped, { $failed } failed; { $calls } calls, { $seconds } s
export-dry-run-summary = Dry run of “{ $name }” (no call made): { $people } people in its segments; would add { $added }, update { $updated }, remove { $removed }, leave { $unchanged } unchanged and skip { $skipped } without a valid email, in { $files } files.
export-sample-added = would add
export-sample-updated = would update
export-sample-removed = would remove
export-sample-unchanged = unchanged
export-sample-skipped = skipped
export-run-summary = Export “{ $name }” { $state }: { $added } added, { $updated } updated, { $removed } removed, { $unchanged } unchanged, { $skipped } skipped (no valid email), { $failed } failed; { $files } files, { $calls } calls.
export-results-hint = Every row's result: `liaison export results { $run_id }`.
export-stopping = Stopping after the current file (the checkpoint is kept; an import already handed over is followed by the next run)…
desktop-results-write-failed = Liaison could not write the results file ({ $reason }).
run-state-queued = queued
run-state-running = running
run-state-paused = paused
run-state-succeeded = succeeded
run-state-failed = failed
run-state-cancelled = cancelled
connection-http-not-allowed = “{ $input }” uses plain http, which would send credentials and tokens unencrypted. Use its https address (plain http is accepted only for this machine, such as the sandbox).
desktop-client-secret-label = Client secret (copy it into the connected app now; it is not shown again unless you ask):
desktop-client-secret-title = Liaison — client secret
store-lock-failed = Liaison could not lock the workspace at { $path } ({ $reason }).
http-outcome-unknown = { $system } gave no clear answer while { $what } ({ $reason }); it was not sent again, so nothing is created twice.
run-taken-over = This run stalled and another Liaison process has taken it over; this one stops here (the other carries on from the checkpoint).

## Dynamics 365 exports (marketing lists)
dataverse-connection-not-found = There is no Dynamics 365 connection “{ $connection }” (it may have been disconnected).
dataverse-foreign-link = Dynamics 365 handed out a link to another address ({ $url }); Liaison only follows links within the org.
dataverse-batch-too-large = A Dynamics 365 batch may hold at most 1,000 requests; { $count } were put in one.
dataverse-batch-unreadable = Dynamics 365's answer to a batch could not be read.
export-destination-delete-dynamics = Delete “{ $name }”? Its exports stop and are removed; their run history stays readable. The marketing list “{ $list }” stays in Dynamics 365 as it is, with its members.
export-dynamics-list-not-found = Dynamics 365 has no marketing list with the ID { $list_id }, or the signed-in user cannot see it.
export-dynamics-list-dynamic = The marketing list “{ $list }” is dynamic; Liaison can only add members to a static list.
export-dynamics-list-not-contacts = The marketing list “{ $list }” is not a contact list (its members are accounts or leads); Liaison adds contacts.
export-dynamics-list-locked = The marketing list “{ $list }” is locked and cannot take new members. Unlock it in Dynamics 365 or pick another list.
export-dynamics-list-inactive = The marketing list “{ $list }” is inactive. Activate it in Dynamics 365 or pick another list.
export-dynamics-list-id-invalid = “{ $list_id }” is not a marketing list ID (a GUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301).
export-dynamics-list-name-too-long = A marketing list name may be at most 128 characters.
export-dynamics-list-missing = Give either the ID of an existing static contact list or the name of a new list, not both.
export-dynamics-row-without-contact = A row for Dynamics 365 had no contact ID; nothing was sent. This is a bug in Liaison.
export-dynamics-batch-unknown = The results of the Dynamics 365 batch { $batch } are not known to this run. This is a bug in Liaison.
export-member-not-resolved = Liaison could not tell which list member stands for { $email }; nothing was sent. This is a bug in Liaison.
export-destination-unreadable = The settings of the destination “{ $name }” could not be read. Delete it and add it again.
export-outcome-unmatched = Unmatched
export-dynamics-no-attributes = A Dynamics 365 marketing list takes existing contacts as they are; attributes cannot be mapped for it.
export-dry-run-unmatched = { $count } people have no Dynamics 365 contact to stand for them and would not be added (contacts are never created):
export-sample-unmatched = unmatched
export-run-unmatched = { $count } people were not added: no Dynamics 365 contact stands for them (contacts are never created). The list with reasons: `liaison export results { $run_id }`.
batch-interrupted = Liaison stopped while this file was being queued, after { $queued } invitations. Those stay queued and are delivered; send the file again to queue the rest (people already invited are skipped).
export-unmatched-no-contact = No Dynamics 365 contact matches this person (contacts are never created).
export-unmatched-ambiguous = { $count } Dynamics 365 contacts match this person ({ $contacts }); Liaison does not guess which.
export-unmatched-inactive = The only matching Dynamics 365 contact ({ $contact }) is inactive.

## Connection access (who may use)
connection-use-refused = You may not use the connection “{ $name }”: { $who ->
    [members] only the members { $owner } named may use it, and you are not one of them
   *[administrators] only administrators may use it
}. Ask { $owner } to add you under “Who may use this connection” (rule R13).
connection-usable-by-administrators = Administrators
connection-usable-by-members = { $emails } and the admin who connected it
connection-access-not-a-member = { $email } is not a member of this workspace, so it cannot be allowed to use the connection. Invite them first (Settings → User Management), or check the spelling.
connection-access-no-members = Name at least one member who may use the connection, or choose Administrators.
connection-access-dynamics-only = Who may use a connection is set on Dynamics 365 connections; every admin may use “{ $name }”.
connection-access-owner-only = Only { $owner } can change who may use “{ $name }” — the admin who connected it (rule R6).
desktop-csv-dialog-title = Choose a CSV file
desktop-csv-not-chosen = Liaison opens only a file you chose with “Choose a file…” or dropped on the window.

## Dynamics contacts (sync, matching)
http-what-reading-dynamics-contacts = reading Dynamics 365 contacts
dynamics-connection-not-found = There is no connected Dynamics 365 connection with the ID { $id }. Check the ID under Settings → Dynamics 365.
dynamics-match-by-invalid = “{ $input }” is not a way to match people to Dynamics contacts. Use “email”, or FIELD=ATTRIBUTE: a cached person field and the contact attribute that holds the same value (e.g. sf_contact_id=new_salesforceid).
dynamics-match-attribute-invalid = “{ $attribute }” is not a Dataverse attribute name. Use the attribute's logical name: lower-case letters, digits and underscores (e.g. new_salesforceid).
dynamics-match-field-invalid = “{ $field }” is not a person field name. Use a cached field such as sf_contact_id, marketo_id or a custom field's key.
dynamics-match-field-unknown = The people cache has no field “{ $field }”. Use marketo_id, sf_contact_id, sf_lead_id, a synced field (first_name, city, …) or the key of a custom field added to the sync.

## Adobe Campaign ↔ Dynamics 365 (seed 004)
campaign-connection-not-found = There is no Adobe Campaign connection “{ $connection }” (it may have been disconnected).
campaign-link-no-connection = There is no connected { $system } connection with the ID { $connection }. Check the ID under Settings → Connections.
campaign-link-optout-unknown = “{ $value }” is not a direction for opt-outs. Use dynamics-to-campaign, campaign-to-dynamics or both.
campaign-link-pair-malformed = “{ $value }” is not a mapping. Write ATTRIBUTE=FIELD: the contact attribute's logical name and the profile field's API name (e.g. jobtitle=cusJobTitle).
campaign-link-on-premises = This Dynamics 365 answers as an on-premises server (version { $version }, no online environment). The Campaign integration works with Dynamics 365 online only: connect the organization's online environment.
campaign-link-not-standard = This Adobe Campaign does not answer as Campaign Standard ({ $reason }). The integration works with Campaign Standard's REST API (profileAndServices): check that the credential's product profile is Campaign Standard's.
campaign-link-metadata-unreadable = { $system } answered its field metadata in an unexpected format.
campaign-link-no-key-field = Campaign's profile has no writable text extension field “{ $field }” to keep each profile's Dynamics contact ID, so a changed email would create a second profile. Add the field to the profile resource's extension in Campaign (Administration → Development → Custom resources), publish, and set the link up again.
campaign-link-unknown-attribute = Dynamics 365 contacts have no attribute “{ $attribute }”. Use the logical name as Dynamics lists it (e.g. jobtitle).
campaign-link-unknown-field = Campaign's profile has no field “{ $field }”. Use the API name as Campaign lists it (e.g. firstName, or cusJobTitle for an extension field).
campaign-link-field-read-only = Campaign's profile field “{ $field }” is read-only: nothing can be written to it. Pick another field.
campaign-link-types-differ = The contact attribute “{ $attribute }” ({ $attribute_type }) cannot be written to the profile field “{ $field }” ({ $field_type }): their types differ. Pick a field of a fitting type.
campaign-link-field-carries-optout = The profile field “{ $field }” carries the opt-out; it follows the opt-out direction and cannot be mapped as well.
campaign-link-field-twice = The profile field “{ $field }” is mapped twice. Each field takes one attribute.
campaign-link-not-set-up = The Campaign ↔ Dynamics 365 integration is not set up yet. Set it up first: liaison campaign setup --dynamics ID --campaign ID.
campaign-entity-link-malformed = “{ $value }” is not a link. Write LOOKUP=LINKFIELD: the entity's lookup attribute that points at the contact and the custom resource's link field that points at the profile (e.g. lia_contactid=profile).
campaign-entity-unknown = Dynamics 365 has no entity set “{ $entity }”. Use the entity set name as the Web API lists it (the table's plural name, e.g. lia_productinterests).
campaign-entity-tracking-off = Change tracking is off for the Dynamics 365 table “{ $entity }”, and the Campaign integration reads its changes through it. Turn on “Track changes” for the table (Power Apps → Tables → { $entity } → Properties) and map it again.
campaign-entity-resource-not-custom = “{ $resource }” is not a custom resource: Campaign's custom resources start with “cus” (e.g. cusProductInterest).
campaign-entity-unknown-resource = Adobe Campaign has no custom resource “{ $resource }”. The custom resources it has: { $known }.
campaign-entity-no-key-field = Campaign's custom resource “{ $resource }” has no writable text field “{ $field }” with a filter “{ $filter }” to keep and find each record's Dynamics row ID, so a record could be created twice. Add the field and the filter to the resource in Campaign (Administration → Development → Custom resources), publish, and map it again.
campaign-entity-lookup-not-contact = The attribute “{ $attribute }” of “{ $entity }” is not a lookup to a contact (its type: { $kind }). Name the lookup attribute that points at the contact (e.g. lia_contactid).
campaign-entity-link-not-profile = The field “{ $field }” of Campaign's custom resource “{ $resource }” is not a link to the profile. Name the link field that points at the profile (e.g. profile).
campaign-entity-unknown-attribute = The Dynamics 365 entity set “{ $entity }” has no attribute “{ $attribute }”. Use the logical name as Dynamics lists it (e.g. lia_product).
campaign-entity-unknown-field = Campaign's custom resource “{ $resource }” has no field “{ $field }”. Use the API name as Campaign lists it.
campaign-entity-field-reserved = The field “{ $field }” of “{ $resource }” is written by Liaison itself (the record's Dynamics row ID or its link to the profile) and cannot be mapped.
campaign-entity-field-read-only = The field “{ $field }” of Campaign's custom resource “{ $resource }” is read-only: nothing can be written to it. Pick another field.
campaign-entity-types-differ = The attribute “{ $attribute }” ({ $attribute_type }) of “{ $entity }” cannot be written to the field “{ $field }” ({ $field_type }) of “{ $resource }”: their types differ. Pick a field of a fitting type.
campaign-entity-field-twice = The field “{ $field }” of “{ $resource }” is mapped twice. Each field takes one attribute.
campaign-entity-resource-taken = Campaign's custom resource “{ $resource }” already receives the entity set “{ $entity }”. Remove that mapping first (liaison campaign map entity --entity { $entity } --remove).
campaign-entity-not-mapped = The entity set “{ $entity }” is not mapped to a custom resource.
campaign-run-entity-no-profile = The { $entity } record { $row } belongs to the contact { $contact }, which has no profile in Campaign yet; the record is written once the contact has one (the next run tries again).
campaign-run-entity-no-contact = The { $entity } record { $row } points at no contact (its { $lookup } is empty), so there is no profile to link it to; it was skipped.
campaign-run-entity-value-unfit = The { $entity } record's “{ $attribute }” value { $value } does not fit the field “{ $field }” of “{ $resource }”; this record was skipped. Correct the value in Dynamics 365 or change the mapping.
campaign-run-entity-created-without-pkey = Adobe Campaign created a “{ $resource }” record but answered without its PKey. The next run finds the record by its Dynamics row ID; nothing is created twice.
campaign-cli-entities = Custom entities (entity set → custom resource):
campaign-cli-entity = { $entity } → { $resource } (contact lookup { $lookup } → profile link { $link })
campaign-cli-linked = Dynamics 365 { $dynamics } ↔ Adobe Campaign { $campaign } (set by { $by } at { $at }).
campaign-cli-optout-to-campaign = Opt-outs: Dynamics 365 → Campaign.
campaign-cli-optout-to-dynamics = Opt-outs: Campaign → Dynamics 365.
campaign-cli-optout-both = Opt-outs: both ways (the most recent change wins; conflicts are recorded).
campaign-cli-mapping = Contact attribute → profile field:

## Campaign runs: contacts to profiles (R17)
campaign-foreign-link = Adobe Campaign handed out a link outside its own API ({ $url }); Liaison does not follow it with the connection's token.
campaign-run-attribute-gone = The mapped contact attribute “{ $attribute }” no longer exists in Dynamics 365. Change the mapping (liaison campaign map contact) and run again.
campaign-run-field-gone = The mapped profile field “{ $field }” no longer exists in Adobe Campaign or became read-only. Change the mapping (liaison campaign map contact) and run again.
campaign-run-value-unfit = The contact's “{ $attribute }” value { $value } does not fit the profile field “{ $field }”; this contact was skipped. Correct the value in Dynamics 365 or change the mapping.
campaign-run-already-running = A Campaign run is already going (in this app or another Liaison process). Wait for it to finish or cancel it.
campaign-run-tracking-off = Change tracking is off for contacts in this Dynamics 365 org, and the Campaign integration reads changes through it. Turn on “Track changes” for the Contact table (Power Apps → Tables → Contact → Properties) and run again.
campaign-run-created-without-pkey = Adobe Campaign created a profile but answered without its PKey. The next run finds the profile by its contact ID; nothing is created twice.
campaign-event-subject-sent = Email sent: “{ $label }”
campaign-event-subject-bounced = Email bounced: “{ $label }”
campaign-event-subject-opened = Email opened: “{ $label }”
campaign-event-subject-clicked = Email link clicked: “{ $label }”
campaign-events-log-unreadable = Adobe Campaign's log { $log } of profile { $profile } has no PKey or no readable date; this email event was skipped.
campaign-events-refused = Dynamics 365 refused the email event { $event } as an activity: { $reason } The next run tries it again.
campaign-events-not-taken = Dynamics 365 did not take { $count } email events after several tries (throttled or unavailable). The next run sends them again.
campaign-timeline-contact-required = Name a contact: its email or its contact ID in Dynamics 365.
campaign-timeline-no-contact = No contact in Dynamics 365 has the email or ID “{ $contact }”.
campaign-timeline-contact-ambiguous = Several contacts in Dynamics 365 have the email “{ $contact }”. Name the one you mean by its contact ID.
campaign-schedule-invalid = { $minutes } minutes is not an interval for the Campaign run: use 5 to 1,440 minutes, or 0 to run it only on demand.
campaign-cli-schedule-off = Runs: on demand only (liaison campaign schedule MINUTES runs it by itself while the app is open).
campaign-cli-schedule-every = Runs: by itself every { $minutes } minutes while the app is open, and on demand.
campaign-cli-timeline-of = Timeline of { $contact } (contact { $id }), newest first:
campaign-cli-timeline-no-profile = This contact has no Campaign profile yet: the next run creates it, and its email events are carried from then on.
campaign-cli-timeline-empty = Nothing on this contact's timeline yet.
campaign-cli-timeline-on = in Dynamics 365
campaign-cli-timeline-next = next run
campaign-events-created-without-id = Dynamics 365 created an email event activity but answered without its ID, and it could not be found by its event ID yet. The next run looks it up again; nothing is written twice.
campaign-cli-run-summary = Campaign run { $state } ({ $full }): { $created } profiles created, { $updated } updated, { $unchanged } unchanged, { $overwritten } Campaign edits overwritten, { $removed } contacts removed in Dynamics 365 (profiles kept), { $entities } custom entity records written and { $entities_removed } removed, { $events } email events logged in Dynamics 365, opt-outs: { $to_campaign } to Campaign, { $to_dynamics } to Dynamics 365, { $conflicts } conflicts; { $errors } errors; { $calls } calls in { $seconds } s.
campaign-cli-history-line = { $started }  { $state } ({ $full }): created { $created }, updated { $updated }, unchanged { $unchanged }, overwritten { $overwritten }, removed in Dynamics { $removed }, opt-outs to Campaign { $to_campaign }, to Dynamics { $to_dynamics }, conflicts { $conflicts }, errors { $errors }
campaign-cli-no-runs = No Campaign run yet: liaison campaign run.
campaign-cli-kind-full = full
campaign-cli-kind-incremental = incremental
campaign-cli-optout-conflict = Opt-out conflict on contact { $contact }: Dynamics 365 { $dynamics } (changed { $dynamics_at }), Campaign { $campaign } (changed { $campaign_at }); { $winner } won (the more recent change; at the same time, the refusal).
campaign-cli-optout-refuses = refuses email
campaign-cli-optout-accepts = accepts email
campaign-cli-time-unknown = time unknown
campaign-notice-finished = Campaign ↔ Dynamics 365 run finished
campaign-notice-cancelled = Campaign ↔ Dynamics 365 run cancelled; the next run continues where it stopped
campaign-notice-stopped = Campaign ↔ Dynamics 365 run stopped
campaign-notice-body = { $created } profiles created, { $updated } updated, { $overwritten } Campaign edits put back, { $entities } custom entity records written, { $events } email events logged, opt-outs: { $to_campaign } to Campaign, { $to_dynamics } to Dynamics 365, { $conflicts } conflicts; { $errors } errors.

## First admin from Marketo (members/first_admin, connections/marketo User Management)
first-admin-marketo-not-connected = Marketo is not connected, so its admins cannot be listed. Enter the Marketo REST endpoint, client ID and client secret at step 1, or type the first admin's name and email instead.
first-admin-pick-required = Choose the Marketo admin who becomes the first admin (their Marketo user ID or email).
first-admin-not-in-marketo = Marketo has no user "{ $pick }". Choose one of the listed Marketo admins, or type the first admin's name and email instead.
first-admin-api-only = { $user } is an API-only Marketo user: it cannot sign in, so it cannot be the first admin. Choose a person with the Admin role.
first-admin-not-a-marketo-admin = { $user } does not (or no longer) hold the Admin role in Marketo (roles: { $roles }), so they cannot be the first admin. Choose another Marketo admin, or ask a Marketo admin to give them the Admin role first.
first-admin-email-missing = The workspace was activated, but the access-instructions email could not be found in the outbox.
marketo-what-users-no-list = the User Management answer for the users is not a list of users
marketo-what-roles-no-list = the User Management answer for a user's roles is not a list
marketo-user-management-forbidden = Marketo refused to list its users (HTTP 403). The API-only user of this client ID needs a role with the "Access Users" (Access Admin) and "Access User Management Api" (Access API) permissions; ask a Marketo admin to add them, or type the first admin's name and email instead.
first-admin-cli-listed = { $count } Marketo admins can be picked as the first admin.

# Setup prerequisites (seed 000)
prerequisite-actions-confirmed = Confirmed enabled by { $email }.
prerequisite-actions-not-enabled = { $email } said it is not enabled yet. Ask your Adobe account team (or Marketo Support) to enable Sales Insight Actions, then confirm again.
prerequisite-sync-needs-marketo = Cannot tell yet: connect Marketo (setup step 3), then check again.
prerequisite-sync-needs-salesforce = Cannot tell yet: connect Salesforce (setup step 2), then check again.
prerequisite-sync-no-records = Cannot tell yet: Salesforce has no contacts or leads to look for in Marketo.
prerequisite-sync-not-configured = None of the { $sampled } most recently changed Salesforce contacts and leads is known to Marketo, so the Marketo ↔ Salesforce sync looks not configured (or it has not run yet). Set it up in Marketo (Admin → Salesforce), then check again.
prerequisite-sync-configured = Configured: { $matched } of the { $sampled } most recently changed Salesforce contacts and leads carry their Salesforce ID in Marketo.
prerequisite-sync-unreadable = The answer used to check the Marketo ↔ Salesforce sync was not in the expected format.

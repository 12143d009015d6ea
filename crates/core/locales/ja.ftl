# Liaison のメッセージ（日本語）。en.ftl のすべてのキーがここにもあります（テストで確認）。

## カタログ自体のテスト用。
test-greeting = こんにちは、{ $name }さん。
test-rows = { $count } 行

## エラー（error.rs）
error-stored-data-unreadable = Liaison が保存済みのデータを読み取れませんでした。ワークスペースのデータベースが破損している可能性があります。バックアップから復元するか、新しいワークスペースを作成してください。

## ジョブ（jobs/）
job-thread-failed = { $job ->
    [sync] 同期
    [delivery] 招待の配信
   *[other] ジョブ
}をバックグラウンドで開始できませんでした。ほかのプログラムを閉じてから、もう一度お試しください。
job-already-running = { $job ->
    [sync] 同期はすでに実行中です。終了するまで待つか、キャンセルしてください。
    [delivery] 招待はすでに配信中です。配信が終わるまで待つか、キャンセルしてください。
   *[other] このジョブはすでに実行中です。終了するまで待つか、キャンセルしてください。
}
job-stopped-unexpectedly = { $job ->
    [sync] 同期
    [delivery] 招待の配信
   *[other] ジョブ
}が予期せず停止しました。チェックポイントは保持されています。もう一度実行すると続きから再開します。繰り返し発生する場合は、ログファイルをサポートに送ってください。

## セグメント（segments/）
segment-rule-unreadable = 「{ $rule }」はルールとして読み取れません。「フィールド 演算子 値」の形で書いてください（例：「country is Japan」「email ends with @example.co.jp」「city is empty」）。
segment-unknown-field = 「{ $field }」というキャッシュのフィールドはありません。削除されたカスタム同期フィールドの可能性があります。別のフィールドを選ぶか、カスタムフィールドを追加し直してください。
segment-op-not-for-field = 「{ $op }」はフィールド「{ $field }」には使えません。値に合った演算子を選んでください。
segment-value-missing = ルール「{ $rule }」には比較する値が必要です。
segment-not-a-number = ルール「{ $rule }」は数値を比較しますが、「{ $value }」は数値ではありません。
segment-not-a-date = ルール「{ $rule }」は日付を比較します。「{ $value }」を YYYY-MM-DD の形式で書いてください。
segment-not-a-flag = ルール「{ $rule }」には yes か no を指定してください。
segment-unknown-system = 「{ $system }」は Liaison が人物を把握しているシステムではありません。marketo または salesforce を指定してください。
segment-name-invalid = セグメント名は 1～120 文字で入力してください。
segment-name-taken = 「{ $name }」という名前のセグメントはすでにあります。別の名前を選んでください。
segment-not-found = 「{ $name }」という名前のセグメントはありません。

## OAuth とサインイン
oauth-invalid-address = { $address } は有効なサインイン用のアドレスではありません。
oauth-revocation-needs-https = Liaison はサインインの取り消しを HTTPS でのみ行いますが、{ $address } は HTTPS のアドレスではありません。ログインサーバーの https のアドレスを使用してください。
oauth-request-not-sent = Liaison はサインインのリクエストを準備できませんでした。もう一度お試しください。繰り返し失敗する場合はご報告ください。
oauth-browser-failed = サインインのために Web ブラウザーを開けませんでした（{ $reason }）。環境変数 BROWSER にお使いのブラウザーを設定して、もう一度お試しください。
oauth-no-local-port = サインイン用のローカルポートを開けませんでした（{ $reason }）。
oauth-listener-failed = サインインの受信処理でエラーが発生しました（{ $reason }）。
oauth-sign-in-timed-out = { $provider } へのサインインが { $minutes } 分以内に完了しませんでした。「接続」をクリックして、もう一度お試しください。
oauth-consent-denied = { $provider } へのサインインが拒否されたため、何も接続されていません。「接続」をクリックし、「許可」を選んで接続してください。
oauth-sign-in-refused = { $provider } がサインインを拒否しました（{ $error }: { $description }）。
oauth-no-code = { $provider } から認可コードが返されませんでした。
salesforce-token-unreadable = Salesforce からのトークンの応答が想定した形式ではありませんでした。
salesforce-sign-in-expired = Salesforce によると、サインインの有効期限が切れたか、取り消されています。Salesforce に再接続してください。
salesforce-client-rejected = Salesforce が接続アプリケーションのクライアント ID またはシークレットを拒否しました。Salesforce の設定 → アプリケーションマネージャーで、コンシューマー鍵とシークレットをご確認ください。
salesforce-revocation-refused = Salesforce がサインインの取り消しに HTTP { $status } で応答しました。
dynamics-token-unreadable = Microsoft からのトークンの応答が想定した形式ではありませんでした。
dynamics-sign-in-expired = Microsoft によると、サインインの有効期限が切れたか、取り消されています（{ $description }）。Dynamics 365 に再接続してください。
disconnect-salesforce-not-revoked = Liaison で Salesforce の接続を解除しましたが、Salesforce 側のサインインを終了できませんでした。今すぐ終了するには、Salesforce で Liaison のアクセスを取り消してください（設定 → 接続アプリケーションの OAuth 利用状況）。
disconnect-not-found = その接続は存在しないか、すでに解除されています。
salesforce-not-a-login-address = { $address } はログイン用のアドレスではありません。production、sandbox、または私のドメインの URL を指定してください。
salesforce-session-not-accepted = Salesforce が新しいセッションを受け付けませんでした。
salesforce-identity-refused = Salesforce がユーザー情報の取得を拒否しました（HTTP { $status }）。
salesforce-identity-unreadable = Salesforce からのユーザー情報の応答が想定した形式ではありませんでした。
salesforce-client-id-required = 接続アプリケーションのクライアント ID（コンシューマー鍵）を入力してください。
salesforce-no-session = Salesforce の接続に保存済みのセッションがありません。Salesforce に再接続してください。
salesforce-no-refresh-token = Salesforce のセッションの有効期限が切れましたが、リフレッシュトークンが保存されていません。Salesforce に再接続してください。
salesforce-unexpected-link = Salesforce から想定外のリンク { $link } が返されました。
salesforce-no-date = Salesforce の応答に Date ヘッダーがありませんでした。
salesforce-quota-used-up = この組織の Salesforce の 1 日あたりの API リクエスト上限に達しました。今後 24 時間のうちに順次回復します。
salesforce-access-denied = Salesforce がアクセスを拒否しました（{ $code }）: { $message }
salesforce-answered = Salesforce からの応答: { $code }: { $message }
salesforce-unexpected-answer = Salesforce から Liaison の想定していない応答がありました。もう一度お試しください。繰り返し失敗する場合は、ログファイルをサポートにお送りください。
dynamics-new-sign-in-not-accepted = Dynamics 365 が新しいサインインを受け付けませんでした（HTTP 401）。
dynamics-no-session = Dynamics 365 の接続に保存済みのセッションがありません。Dynamics 365 に再接続してください。
dynamics-sign-in-not-accepted = Dynamics 365 がサインインを受け付けませんでした（HTTP 401）。
dynamics-answered = Dynamics 365 からの応答: HTTP { $status }: { $message }
dynamics-display-name-required = 表示名を入力してください（例: 「Dynamics 365 – 本番」）。
dynamics-client-id-required = Microsoft Entra のアプリの登録にあるアプリケーション（クライアント）ID を入力してください。
dynamics-no-refresh-token = Dynamics 365 のサインインにリフレッシュトークンがありません。Dynamics 365 に再接続してください。

## エクスポート先（exports/destinations.rs）
export-privacy-notice = データプライバシーとコンプライアンス：エクスポートを行うと、セグメントに含まれる人物の個人データがこのワークスペースから選択したエクスポート先へ送信されます。送信後のデータはこのワークスペースのコンプライアンス境界の外にあり、同意の管理や本人からの請求への対応を含め、送信先でのデータの利用・保管・保護については貴社が責任を負います。
export-privacy-not-accepted = エクスポート先を接続する前に、データプライバシーに関する注意事項に同意してください。エクスポートしたデータはこのワークスペースのコンプライアンス境界の外に出ます。
export-destination-name-invalid = エクスポート先の名前は 1～120 文字で入力してください。
export-list-id-invalid = 「{ $list_id }」は Marketo の静的リスト ID ではありません。Marketo でリストを開き（マーケティング活動 → リスト）、URL の番号をコピーしてください。
export-destination-access-missing = このワークスペースの Marketo 接続を選ぶか、エクスポートに使う Marketo API ユーザーの REST エンドポイント、クライアント ID、クライアントシークレットを入力してください。
export-destination-secret-required = Marketo API ユーザーのクライアントシークレットは必須です。
export-marketo-list-not-found = Marketo に静的リスト { $list_id } がないか、API ユーザーがそのリストを参照できません。ID と、API ユーザーのロールがそのリストのワークスペースでアセットの読み取り・書き込みをできることを確認してください。
export-destination-name-taken = 「{ $name }」という名前のエクスポート先はすでにあります。別の名前を選んでください。
export-destination-not-found = 「{ $name }」という名前のエクスポート先はありません。
export-not-an-export-user = 「{ $name }」を変更したりエクスポートを実行したりできるのは、そのエクスポートユーザーだけです。エクスポートユーザーに追加を依頼してください。
export-user-not-an-admin = { $email } はこのワークスペースの有効な管理者ではないため、エクスポートユーザーにできません。
export-destination-delete-marketo = 「{ $name }」を削除しますか？エクスポートは停止して削除されますが、実行履歴は引き続き参照できます。静的リスト「{ $list }」とそのメンバーは Marketo にそのまま残ります。
export-destination-delete = 「{ $name }」を削除しますか？エクスポートは停止して削除されますが、実行履歴は引き続き参照できます。リストはそのまま残ります。
export-destination-deleted = エクスポート先「{ $name }」を削除しました。リストはそのまま残っています。

## ワークスペースのデータベース（store）
store-upgrade-failed = { $path } にあるワークスペースのデータベースを更新できませんでした（{ $reason }）。
store-not-liaison = { $path } は SQLite データベースですが、Liaison のワークスペースではありません。別のデータフォルダーを指定するか、このファイルを移動してください。
store-too-new = このワークスペースは新しいバージョンの Liaison で最後に開かれました（スキーマ { $version }。このバージョンが扱えるのは { $supported } までです）。新しい Liaison をインストールして開いてください。何も変更されていません。
store-corrupt = ワークスペースのデータベースが破損しているか、データベースファイルではありません。ファイルを別の場所に移して Liaison を再起動し新しいワークスペースを作成するか、バックアップから復元してください
store-busy = ワークスペースのデータベースは別の Liaison ウィンドウまたはコマンドで使用中です。しばらくしてから再度お試しください
store-cannot-open = ワークスペースのデータベースを書き込み用に開けません（{ $reason }）。フォルダーのアクセス権を確認してください
store-disk-full = ワークスペースのあるディスクの空き容量がありません。空き容量を確保してから再度お試しください
store-io-failure = ワークスペースのデータベースを読み書きできませんでした（{ $reason }）
store-constraint = 変更内容が既存のデータと矛盾しています（{ $reason }）
store-unexpected = 予期しないデータベースエラーが発生しました: { $reason }
store-error-in-database = { $message }（データベース: { $path }）

## データとログのフォルダー（paths、logging）
paths-no-home = このシステムにはホームのデータディレクトリがありません。{ $env } に書き込み可能なフォルダーを設定してください。
paths-dir-unusable = データディレクトリ { $path } を使用できません: { $reason }。
paths-unwritable = { $path } に書き込めません（{ $reason }）。--data-dir または { $env } で書き込み可能なフォルダーを指定するか、アクセス権を修正してください。
paths-is-a-file = フォルダーではなくファイルです
logging-cannot-create = { $path } にログファイルを作成できません（{ $reason }）。

## 認証情報の保管庫（vault）
vault-keychain-os = OS のキーチェーン
vault-keychain-file = キーファイル
vault-keychain-memory = メモリ上のキーチェーン
vault-no-key = { $keychain }に Liaison の鍵がありませんが、このワークスペースには保存済みの認証情報があります。キーチェーンをリセットした場合は、接続を削除して再度接続してください。そうでない場合は、キーチェーンのロックを解除して Liaison を再起動してください。
vault-wrong-key = キーチェーンの鍵ではこのワークスペースの認証情報を開けません（キーチェーンの項目が置き換えられました）。接続を削除して再度接続してください。
vault-encrypt-failed = 認証情報の暗号化に失敗しました。
vault-secret-damaged = 保存されている認証情報「{ $name }」が破損しています。
vault-secret-undecryptable = 保存されている認証情報「{ $name }」をキーチェーンの鍵で復号できません。
vault-key-damaged = { $keychain }にある Liaison の鍵が破損しています。
vault-keychain-unavailable = OS のキーチェーンが使用できないか、ロックされています（{ $reason }）。ロックを解除して（または GNOME Keyring などの Secret Service を起動して）再度お試しください。
vault-keychain-refused = OS のキーチェーンが要求を拒否しました（{ $reason }）。
vault-key-file-unreadable = キーファイル { $path } を読み取れません（{ $reason }）。
vault-key-file-unwritable = キーファイル { $path } に書き込めません（{ $reason }）。
vault-key-file-warning = OS のキーチェーンが使用できないため、認証情報はご自身のユーザーだけが読めるキーファイル（{ $path }）で保護されています。このアカウントにアクセスできる人は認証情報を読めます。より強固に保護するにはキーチェーン（Secret Service）を設定してください。
vault-keychain-poisoned = キーチェーンのロックが破損しました
vault-memory-warning = 認証情報はメモリ上にのみ保持され、Liaison を終了すると失われます。
vault-unknown-keychain = { $env }=「{ $value }」は os、file、memory のいずれでもありません。

## 外部への通信（http）
http-setup-failed = HTTPS を準備できませんでした（{ $reason }）。
http-budget-closed = HTTP の実行枠が閉じられました
http-rejected-after-refresh = { $system } は、更新後の Liaison の認証情報も拒否しました（{ $what }）。接続をやり直してください。
http-kept-failing = { $system } は { $what } の途中で失敗し続けました（{ $reason }）。{ $attempts } 回試行して中止しました。しばらくしてから再度お試しください。
http-unreachable = { $host } に接続できませんでした。アドレス、ネットワーク、プロキシを確認してから再度お試しください。

## 設定
settings-unknown-language = 不明な言語「{ $value }」です。system、en、ja のいずれかを指定してください。
store-unexpected-value = ワークスペースのデータベースに想定外の値「{ $value }」があります。

## メンバーと管理者（members）
members-email-required = メールアドレスを入力してください。
members-email-invalid = 「{ $email }」は有効なメールアドレスではありません: { $reason }。
members-not-a-member = { $email } はこのワークスペースのメンバーではありません。
members-not-activated = ワークスペースはまだ有効化されていません。先に有効化してください（セットアップのステップ 1）。
members-first-admin-name-required = 最初の管理者の名前を入力してください。
members-already-activated = ワークスペースはすでに有効化されています。
members-not-active-admin = { $email } は有効な管理者ではないため、Liaison はこの管理者として操作できません。
members-no-client-secret = ワークスペースにはまだクライアントシークレットがありません。先に有効化してください。
members-already-removed = { $email } はすでに削除されています。
members-r5-original-admin = { $email } はワークスペースの最初の管理者で、データ同期がすでに開始されているため削除できません（ルール R5）。最初の管理者はワークスペースが存在する限り残ります。
members-r9-owns-connections = { $email } は { $connections } を所有しているため、まだ削除できません（ルール R9）。先に各接続を引き継いでください: 設定 → 接続 → 所有権を引き継ぐ。
members-last-admin = { $email } は最後の有効な管理者のため削除できません。
members-already-member = { $email } はすでにこのワークスペースのメンバーです。

## セットアップウィザード（setup）
setup-activated-by = { $email } が有効化しました
setup-confirmed-by = { $email } が確認しました
setup-unknown-state = ワークスペースのデータベースに不明なセットアップステップの状態「{ $value }」があります。
setup-unknown-step = ワークスペースのデータベースに不明なセットアップステップ { $step } があります。
setup-steps-missing = ワークスペースのデータベースにセットアップステップがありません。
setup-step-missing = ワークスペースのデータベースにセットアップステップ { $step } がありません。
setup-no-checklist = ステップ { $step } は作業が完了すると自動的に完了します。チェックリストはありません。
setup-confirm-every-item = 先にすべての項目を確認してください。未確認の項目: { $items }
checklist-package-installed = Marketo Sales Insight パッケージが Salesforce の［設定］→［インストール済みパッケージ］に最新バージョンで表示されている。
checklist-installed-for-users = パッケージが、利用する営業ユーザーのプロファイルにインストールされている。
checklist-actions-settings = Salesforce で Sales Insight Actions の設定が保存され、このワークスペースに関連付けられている。
checklist-page-layouts = Sales Insight のコンポーネントが取引先責任者とリードのページレイアウトに配置されている。
checklist-permissions = 営業ユーザーに Sales Insight Actions の権限セットが付与されている。
package-salesforce-not-connected = Salesforce が接続されていないため、パッケージを確認できません。Salesforce を接続する（セットアップのステップ 2）か、代わりにチェックリストで確認してください。
package-list-unreadable = Salesforce のインストール済みパッケージ一覧が想定した形式ではありませんでした。
package-access-denied = Salesforce ユーザー { $username } には組織のインストール済みパッケージを読み取る権限（「設定・定義を参照する」権限）がないため、ステップ 6 を確認できません。代わりにチェックリストで確認するか、権限を付与してから再度確認してください。
package-verified = Salesforce で確認しました: { $name } が組織 { $org } にインストールされています。
package-verified-version = Salesforce で確認しました: { $name }（{ $version }）が組織 { $org } にインストールされています。
package-not-installed = Marketo Sales Insight（{ $namespace }）は Salesforce 組織 { $org } にインストールされていません（この組織には他に { $listed } 件のパッケージがあります）。AppExchange からインストール（{ $url }）してから、再度確認してください。
package-outdated = Salesforce 組織 { $org } には { $name } { $version } がインストールされていますが、最新バージョンは { $newest } です。アップグレード（{ $url }）してから、再度確認してください。

## CSV での招待: ファイルの読み込み（invites/csv）
csv-file-not-found = ファイル { $name } が見つかりません。移動または名前が変更された可能性があります。もう一度選択してください。
csv-file-not-allowed = { $name } を読み取る権限がありません。ファイルのアクセス権を確認するか、書類フォルダーにコピーしてください。
csv-file-unreadable = { $name } を読み取れませんでした（{ $reason }）。ファイルを確認して再度お試しください。
csv-file-is-folder = { $name } はファイルではなくフォルダーです。.csv ファイルを選択してください。
csv-file-empty = ファイル { $name } は空です。メンバー一覧をもう一度エクスポートするか、テンプレートをダウンロードして入力してください。
csv-file-too-large = ファイル { $name } のサイズは { $size } で、Liaison が一度に読み込める { $max } を超えています。ファイルを小さく分割し（1 ファイルあたり最大 { $rows } 行）、順番に招待してください。
csv-file-blank = ファイル { $name } には空行しかありません。メンバー一覧をもう一度エクスポートするか、テンプレートをダウンロードして入力してください。
csv-no-complete-row = { $name } の先頭 { $size } に完全な行が 1 行もありません。CSV ファイルではないか、引用符（"）が閉じられていない可能性があります。
csv-too-many-columns = { $name } のヘッダー行には { $columns } 列ありますが、Liaison が読み込めるのは最大 { $max } 列です。使用していない列を削除して再度お試しください。
csv-no-data-rows = ファイル { $name } にはヘッダー行（{ $headers }）がありますが、データ行がありません。ヘッダーの下に招待する人を 1 人 1 行で追加してから、再度お試しください。
csv-no-header-no-email = { $name } にはヘッダー行もメールアドレスの列も見つかりませんでした。1 行目
csv-no-email-column = { $name } には、メールアドレスの列と思われる名前の列も、メールアドレスを含む列もありません。見つかった列
csv-add-email-column = { $what }: { $listed }。1 行に 1 つのアドレスを入れた「メールアドレス」（または “Email”）という名前の列を追加するか、テンプレートをダウンロードしてください。
csv-note-no-header = このファイルにはヘッダー行がありません。1 行目からデータが始まっているため、列は位置で名前を付けています。
csv-note-too-many-rows = このファイルには約 { $rows } 行あるようです。1 つのファイルから招待できるのは最大 { $max } 行のため、検証はそこで終了します。先にファイルを分割してください。
csv-file-is-xlsx = { $name } は Excel ブック（または別の zip ファイル）で、CSV ファイルではありません。Excel で［ファイル］→［名前を付けて保存］→「CSV UTF-8 (コンマ区切り)」を選んで保存し、保存したファイルを選択してください。
csv-file-is-xls = { $name } は旧形式の Excel ブック（.xls）で、CSV ファイルではありません。Excel で［ファイル］→［名前を付けて保存］→「CSV UTF-8 (コンマ区切り)」を選んで保存し、保存したファイルを選択してください。
csv-file-is-pdf = { $name } は PDF 文書で、CSV ファイルではありません。.csv ファイルを選択してください。
csv-file-utf16-no-bom = { $name } はバイトオーダーマークのない UTF-16 でエンコードされているため、正しく読み込めません。UTF-8（Excel では「CSV UTF-8」）で保存して再度お試しください。
csv-file-binary = { $name } はテキストファイルではないようです。制御文字または NUL バイトが含まれています（最初は { $line } 行目）。スプレッドシートやディレクトリからエクスポートした CSV ファイルを選択してください。
csv-note-shift-jis = このファイルは UTF-8 ではありません。内容が Shift_JIS（日本語版 Windows）のようなので、Shift_JIS として読み込みます。
csv-note-windows-1252 = このファイルは UTF-8 ではありません。内容が Windows-1252（西ヨーロッパ言語）のようなので、windows-1252 として読み込みます。
csv-note-latin = このファイルは UTF-8 ではありません。{ $encoding } のようですが windows-1252 として読み込むため、名前の一部のアクセント付き文字が正しく表示されない場合があります（メールアドレスには影響しません）。名前を正確に読み込むには CSV UTF-8 で保存してください。
csv-unsupported-encoding = { $name } は { $encoding } でエンコードされているようですが、このエンコードは読み込めません。読み込めるのは UTF-8、バイトオーダーマーク付きの UTF-16、Shift_JIS、Windows-1252 です。UTF-8（Excel では「CSV UTF-8」）で保存して再度お試しください。
csv-decoder-full = サンプルのデコード用領域が不足しました。この問題を報告してください。
csv-hint-mixed-encodings = ファイル内でエンコードが混在している可能性があります（Shift_JIS や Windows-1252 のファイルから貼り付けた行など）。
csv-hint-other-encoding = ファイルの先頭から推定したものとは別のエンコードが使われている可能性があります。
csv-undecodable = { $name } の { $line } 行目に、{ $encoding } として無効なバイトが含まれています。{ $hint }Excel またはテキストエディターで開き、UTF-8（Excel では「CSV UTF-8」）で保存して再度お試しください。
csv-start-unreadable = ファイルの先頭を CSV として読み込めませんでした（{ $reason }）。
csv-file-changed = { $name } は確認後に変更されました（サイズが異なります）。最新の内容を読み込むため、もう一度ファイルを選択してください。
csv-row-too-long = { $name } の { $line } 行目から始まる行が { $size } を超えています。引用符（"）が閉じられていない可能性があります。テキストエディターでその行を確認してください。
csv-line-too-many-cells = { $name } の { $line } 行目には { $cells } 個のセルがありますが、読み込めるのは最大 { $max } 列です。テキストエディターでその行を確認してください。
csv-too-many-rows = { $name } には、1 つのファイルから招待できる上限の { $max } 行を超えるデータ行があります。最大 { $max } 行ずつのファイルに分割し、順番に招待してください。
csv-read-interrupted = { $name } を { $line } 行目以降、最後まで読み込めませんでした（{ $reason }）。ファイルを確認して再度お試しください。
csv-parse-failed = { $name } を { $line } 行目以降、CSV として読み込めませんでした（{ $reason }）。
csv-header-but-no-rows = { $name } にはヘッダー行がありますが、データ行がありません。ヘッダーの下に招待する人を 1 人 1 行で追加してから、再度お試しください。
csv-write-failed = CSV ファイルを書き込めませんでした（{ $reason }）。フォルダーと空き容量を確認してください。

## CSV での招待: 列と項目の対応付け
csv-field-email = メールアドレス
csv-field-first-name = 名
csv-field-last-name = 姓
csv-field-full-name = 氏名
csv-field-role = ロール
csv-field-teams = チーム
csv-names-none = なし
csv-names-and-more = { $names }、ほか { $more } 件
csv-saved-mapping-missing-column = 保存済みの対応付けでは「{ $field }」に列“{ $header }”を使用していますが、このファイルにはその列がありません。見つかった列: { $columns }。「{ $field }」の列をもう一度対応付けてください。
csv-column-does-not-exist = 列 { $column } は存在しません。このファイルには { $columns } 列あります。
csv-email-not-mapped = メールアドレスに対応付けられた列がありません。招待にはメールアドレスが必要です。メールアドレスが入っている列を選択してください（見つかった列: { $columns }）。
csv-mapping-column-gone = 「{ $field }」の対応付けは列 { $column } を指していますが、このファイルには { $columns } 列しかありません。もう一度対応付けてください。
csv-column-mapped-twice = 列“{ $column }”が「{ $field }」と「{ $other }」の両方に対応付けられています。1 つの列は 1 つの項目にしか使えません。どちらかを変更してください。

## CSV での招待: 行の問題（IssueCode）とメールアドレスの確認
csv-issue-missing-email = この行にはメールアドレスがないため、招待できません。
csv-issue-invalid-email = 「{ $email }」は有効なメールアドレスではありません: { $reason }。
csv-issue-duplicate-in-file = { $email } はすでに { $row } 行目にあります。このアドレスは最初の行だけが招待されます。
csv-issue-already-member = { $email } はすでにこのワークスペースのメンバーです。この行はスキップされます。
csv-issue-already-invited = { $email } にはすでに保留中の招待があります。この行はスキップされます（必要であればユーザー管理から再送してください）。
csv-issue-unknown-role = 「{ $role }」は Liaison が認識できるロールではありません。管理者またはユーザー（admin または user）を指定するか、ユーザーにする場合は空欄にしてください。
csv-issue-extra-cells = この行にはヘッダーより { $count } 個多く空でないセルがあります（{ $cells }）。これらは無視されます。
csv-email-whitespace = 空白が含まれています
csv-email-full-width = 全角文字が含まれています。半角（ASCII）文字で入力し直してください
csv-email-no-at = @ がありません
csv-email-several-at = @ が 2 つ以上あります
csv-email-empty-local = @ の前に何もありません
csv-email-empty-domain = @ の後に何もありません
csv-email-local-too-long = @ より前の部分が 64 文字を超えています
csv-email-too-long = 254 文字を超えています
csv-email-local-non-ascii = @ より前の部分に「{ $char }」が含まれています。この部分に使えるのは ASCII の英数字と . _ - + のみです
csv-email-local-char = @ より前の部分に、メールサーバーが受け付けない「{ $char }」が含まれています
csv-email-local-dots = @ より前の部分がドットで始まるか終わっているか、ドットが 2 つ続いています
csv-email-ip-literal = ドメインが IP アドレスです。代わりにメールのドメイン名を使用してください
csv-email-domain-idn = ドメインが有効な国際化ドメイン名ではありません
csv-email-domain-too-long = ドメインが 253 文字を超えています
csv-email-domain-dots = ドメインがドットで始まるか終わっているか、ドットが 2 つ続いています
csv-email-domain-label-too-long = ドメインの一部が 63 文字を超えています
csv-email-domain-chars = ドメインに英字、数字、ドット、ハイフン以外の文字が含まれています
csv-email-domain-hyphen = ドメインの一部がハイフンで始まるか終わっています
csv-email-domain-no-dot = ドメインにドットがありません（例: example.com）
csv-email-domain-numeric-tld = ドメインが .com や .jp のようなトップレベルドメインではなく数字で終わっています

## チーム（invites/teams）
teams-name-length = チーム名は 1～80 文字で入力してください。
teams-already-exists = 「{ $name }」という名前のチームはすでに存在します。
teams-member-removed = { $email } はワークスペースから削除されています。チームを設定するには、もう一度招待してください。
teams-member-disappeared = チームの保存中にメンバーが見つからなくなりました。
teams-unknown = { $unknown } という名前のチームはありません。既存のチーム: { $existing }。先にチームを作成する（ユーザー管理 → チーム）か、名前を修正してください。

## 招待（invites）
invites-row-incomplete = 招待のデータが不完全です。
invites-expiry-range = 招待の有効期間は 1～90 日の範囲で指定してください。
invites-already-member = { $email } はすでにこのワークスペースのメンバーのため、招待は送信されませんでした。
invites-already-invited = { $email } にはすでに保留中の招待があります（{ $sent } に送信）。メールが届いていない場合はユーザー管理から再送してください。2 件目の招待は作成されていません。
invites-no-pending = { $email } には保留中の招待がありません（承諾、取り消し、または期限切れの可能性があります）。代わりにもう一度招待してください。
invites-link-unusable = この招待リンクは使用できません: { $reason }
invites-link-not-a-code = Liaison の招待コードではありません。管理者に新しい招待を依頼してください。
invites-link-expired = 有効期限が切れています。管理者に招待の再送を依頼してください。
invites-link-superseded = 新しい招待が送信されています。最新のメールのリンクを使用してください。
invites-link-revoked = 招待は取り消されました。
invites-link-used = すでに使用されています。
invites-accept-race = この招待は直前に使用されたか、取り消されました。
setup-first-invitation-sent = { $email } に最初の招待を送信しました

## CSV の一括招待（invites/batches）
batch-excluded = 確認時に管理者が除外しました。
batch-row-reasons = { $reasons }
batch-unknown-role = Liaison が認識できないロールです。
batch-duplicate = { $email } はすでに前の行にあります。このアドレスは最初の行だけが招待されます。
batch-results-source-gone = 結果ファイルには { $path } の列を含めますが、このファイルを読み取れなくなりました（{ $reason }）。ファイルを元の場所に戻してから、もう一度結果を保存してください。
batch-row-not-in-batch = この行は一括招待に含まれていません（送信後にファイルが変更されました）。

## 招待の送信（invites/outbox）
outbox-cancelled-resent = 新しい招待に置き換えられました（再送）。
outbox-cancelled-revoked = 招待は取り消されました。
outbox-cancelled-replaced = このメッセージの送信前に、招待が取り消されたか置き換えられました。
outbox-cancelled-member-changed = このメッセージの送信前に、メンバーが削除されたか参加しました。
outbox-cancelled-expired = このメッセージを送信する前に招待の有効期限が切れました。招待を再送してください。
outbox-body-missing = メッセージの内容が保管庫にありません。招待を再送してください。
outbox-busy = 別の Liaison ウィンドウまたはコマンドで招待を送信中です。完了するまで（閉じられた場合は 1 分ほど）待ってから、再度お試しください。
outbox-interrupted = メールサーバーへの受け渡し中に Liaison が停止したため、このメッセージは配信されたかどうか分かりません。自動では再送しません。相手に届いていない場合は招待を再送してください。
outbox-gave-up = { $error } { $attempts } 回試行して停止しました。残りの招待はキューに残り、次回の送信時に送られます。
outbox-notice-sent = 招待を送信しました
outbox-notice-stopped = 招待の送信が止まりました
outbox-notice-body = 送信 { $sent } 件{ $failed ->
        [0] {""}
       *[other] 、失敗 { $failed } 件
    }{ $uncertain ->
        [0] {""}
       *[other] 、送信不明 { $uncertain } 件（再送していません。受信者に確認してください）
    }{ $remaining ->
        [0] {""}
       *[other] 、未送信 { $remaining } 件
    }。

## メールサーバーと招待メール（invites/smtp、invites/email）
smtp-host-required = メールサーバーのホスト名を https:// やパスを付けずに入力してください（例: smtp.example.com）。
smtp-port-required = メールサーバーのポートを入力してください（STARTTLS は 587、TLS は 465）。
smtp-sender-unusable = 送信元アドレスを使用できません。{ $reason }
smtp-plain-password = 暗号化なしでは、パスワードが平文のままネットワーク経由で { $host } に送られます。STARTTLS または TLS を選択するか、サインイン不要のリレーであればユーザー名を空欄にしてください。
smtp-not-configured = メールサーバーがまだ設定されていないため、招待を送信できません。［設定］→［メール］で設定してから（またはサンドボックスを使用して）、もう一度送信してください。キュー内の招待は保持されます。
smtp-address-invalid = 「{ $address }」は有効なメールアドレスではありません。
smtp-address-bad-domain = 「{ $address }」のドメインは有効なドメイン名ではありません。
smtp-address-unusable = 「{ $address }」はアドレスとして使用できません（{ $reason }）。
smtp-build-failed = メールを作成できませんでした（{ $reason }）。
smtp-tls-setup-failed = { $host } 用の TLS を準備できません（{ $reason }）。
smtp-no-starttls = メールサーバー { $server } は STARTTLS に対応していないため、何も送信しませんでした。サーバーが対応していれば TLS（通常はポート 465）を選択するか、ポートを確認してください。
smtp-sign-in-refused = メールサーバー { $server } が { $user } のサインインを受け付けませんでした（{ $reply }）。［設定］→［メール］でユーザー名とパスワードを確認してください。
smtp-tls-failed = { $server } との暗号化接続に失敗しました（{ $reason }）。TLS の方式とポートを確認してください（STARTTLS は通常 587、TLS は 465）。
smtp-connection-refused = メールサーバー { $server } が接続を拒否しました（{ $reply }）。
smtp-unreachable = メールサーバー { $server } に接続できませんでした（{ $reason }）。ホスト、ポート、ネットワークを確認してください。キュー内の招待は保持され、次回の試行時に送信されます。
smtp-no-connection = メールサーバーへの接続が開かれていません。
smtp-message-refused = メールサーバー { $server } が { $to } 宛てのメッセージを拒否しました: { $reply }。
smtp-message-try-later = メールサーバー { $server } から、{ $to } 宛てのメッセージは後で再試行するよう求められました: { $reply }。
smtp-broke-before-handover = { $to } 宛てのメッセージを渡す前に、{ $server } との接続が切れました（{ $reason }）。
smtp-broke-after-handover = { $to } 宛てのメッセージを渡した後に { $server } との接続が切れたため（{ $reason }）、配信されたかどうか分かりません。Liaison は自動では再送しません。相手に届いていない場合は招待を再送してください。
email-workspace-name-too-long = ワークスペース名は 100 文字以内で入力してください。
email-join-base-not-a-link = 「{ $base }」はリンクではありません。https://liaison.example.com/join のような完全なアドレスを入力してください。
setup-connected-by = { $email } が { $name } として接続しました
setup-disconnected-by = { $email } が接続を解除しました
setup-sync-people-cached = キャッシュ内の人数: { $count } 人

## 接続の所有と引き継ぎ (connections/ownership)
ownership-another-admin = 別の管理者
ownership-the-owner = 所有者
ownership-you-own-it = { $label } の接続はすでにあなたが所有しています。接続し直すには、先に接続を解除してください。
ownership-granted-cannot-connect = { $owner } さんの { $label } の接続へのアクセス権が付与されているため、接続できません（ルール R7）。引き継ぐには、{ $owner } さんに引き継ぎを開始するよう依頼してください。引き継ぎを開始すると、まずあなたのアクセス権が削除されます。
ownership-handover-already-connected = この引き継ぎのための接続はすでに済んでいます。引き継ぎを完了するには、{ $owner } さんが接続を解除します。
ownership-owned-by-another = { $label } の接続は { $owner } さんが所有しており、同時に存在できる接続は 1 つだけです（ルール R7）。引き継ぐには、{ $owner } さんにあなたへの引き継ぎを依頼してください。
ownership-activate-first = 先にワークスペースを有効化してください（セットアップの手順 1）。
ownership-new-connection-vanished = 新しい接続が見つからなくなりました。
ownership-owner-only = { $name } の{ $action ->
    [grant] アクセス権を付与
    [revoke] アクセス権を削除
    [handover] 引き継ぎ
   *[disconnect] 接続解除
}ができるのは、接続した管理者である { $owner } さんだけです（ルール R6）。
ownership-handover-not-connected-yet = { $to } さんはまだ接続していません。今接続を解除すると、すべてのメンバーが利用できなくなります。{ $to } さんが接続する（引き継ぎの手順 2）まで待つか、引き継ぎを取り消してください。
ownership-not-an-active-admin = { $email } は有効な管理者ではありません。アクセス権は管理者にのみ付与できます。
ownership-owner-needs-no-grant = この接続はあなたが所有しているため、アクセス権の付与は不要です。
ownership-already-has-access = { $email } はすでにアクセス権を持っています。
ownership-no-access-to-remove = { $email } には削除するアクセス権がありません。
ownership-several-no-handover = { $label } の接続は複数持てます。引き継ぐ代わりに、別の接続を追加してください。
ownership-nothing-to-hand-over = 引き継ぐ { $label } の接続がありません。
ownership-handover-in-progress = すでに引き継ぎが進行中です。先に完了するか取り消してください。
ownership-handover-to-self = 接続を引き継ぐ相手として、別の管理者を選んでください。
ownership-no-handover = 進行中の引き継ぎはありません。
ownership-cancel-not-a-party = 引き継ぎを取り消せるのは、引き継ぎに関わる 2 人の管理者だけです。
ownership-handover-new-connected = 新しい管理者はすでに接続しています。古い接続を解除して引き継ぎを完了してください。

## Marketo (connections/marketo)
marketo-not-an-address = 「{ $input }」は Munchkin ID（123-ABC-456 のような形式）でも URL でもありません。Marketo の管理 → Web サービスから REST エンドポイントをコピーしてください。
connection-not-http-address = 「{ $input }」は http(s) のアドレスではありません。
marketo-no-client-secret = Marketo の接続にクライアントシークレットが保存されていません。Marketo に再接続してください。
marketo-bad-response = Marketo から想定外の形式の応答がありました: { $what }。
marketo-what-file-was-json = ファイルのダウンロードに JSON が返されました
marketo-what-no-date-header = Date ヘッダーがありません
marketo-what-describe-no-list = describe の結果に一覧がありません
marketo-what-identity-status = identity エンドポイントが HTTP { $status } を返しました。アドレスをご確認ください
marketo-what-not-found = HTTP 404 — REST エンドポイントのアドレスが誤っている可能性があります（末尾は .mktorest.com です）
marketo-what-error-code = エラー { $code }: { $message }
marketo-what-no-email-field = リードデータベースにメールアドレスの項目がありません
marketo-credentials-rejected = Marketo がクライアント ID またはクライアントシークレットを拒否しました。Marketo の管理 → LaunchPoint → 詳細を表示から、両方をもう一度コピーしてください。
marketo-request-too-large = リクエストが Marketo の上限を超える大きさでした（HTTP 413）。
marketo-url-too-long = リクエストの URL が Marketo の上限を超える長さでした（HTTP 414）。
marketo-quota-used-up = Marketo の 1 日あたりの API 上限に達しました（607）。米国中部時間の午前 0 時にリセットされ、その後 Liaison が処理を再開します。
marketo-extract-volume-used-up = Marketo の 1 日あたりの一括抽出量の上限に達しました（1029: { $message }）。米国中部時間の午前 0 時にリセットされます。
marketo-access-denied = Marketo がアクセスを拒否しました（603）。API ユーザーのロールに Liaison が必要とする権限（Read-Write Lead、Read-Write Assets）がないか、お使いの IP アドレスが許可されていません。
marketo-credentials-required = クライアント ID とクライアントシークレットの両方を入力してください。

## その他の接続 (connections/campaign, connections/dynamics)
connection-not-a-valid = 「{ $input }」は有効な{ $what }ではありません。
campaign-what-api-address = API のアドレス
campaign-what-ims-address = IMS のアドレス
dynamics-what-org-url = サーバーのアドレス（組織の Sales の URL）
dynamics-what-authority = サインインの機関（authority）
campaign-credentials-rejected = Adobe IMS がクライアント ID またはクライアントシークレットを拒否しました。Adobe Developer Console（OAuth サーバー間認証の資格情報）から、両方をもう一度コピーしてください。
campaign-ims-unreadable = Adobe IMS から想定外の形式の応答がありました。
campaign-credentials-required = 組織（テナント）ID、クライアント ID、クライアントシークレットをすべて入力してください。
campaign-calls-per-minute-out-of-range = Adobe Campaign の 1 分あたりの呼び出し数 { $value } は受け付けられる範囲外です。Campaign のライセンスで許可されている値を { $min } から { $max } の間で入力してください（空欄の場合は 600）。
campaign-unknown-error = 不明なエラー
campaign-answered = Adobe Campaign が HTTP { $status } を返しました: { $message }。組織 ID と、資格情報の製品プロファイルをご確認ください。

## 接続の状態チェック (connections/health)
health-connection-not-found = その接続は存在しないか、解除されています。
health-marketo-credentials-ok = Marketo がクライアント ID とシークレットを受け付けました。
health-marketo-read-leads = Liaison はリードデータベースを読み取れます（{ $fields } 項目）。
health-marketo-quota-reached = 本日は API 呼び出しを { $used } 回使用し、既定の 1 日あたりの上限 { $quota } 回に達しました。ジョブは米国中部時間の午前 0 時のリセットまで待機します。
health-marketo-lists = Liaison は静的リストを読み取れます。
health-marketo-quota-left = 本日の API 呼び出しは { $used } 回で、既定の上限 { $quota } 回のうち残りは約 { $left } 回です。Liaison は 20 秒あたり 100 回、同時に 10 回までに抑えて呼び出します。
health-salesforce-signed-in-as = { $username } としてサインインしています。
health-salesforce-read-object = Liaison は { $object } のレコードを読み取れます（{ $fields } 項目）。
health-salesforce-cannot-query = サインインしているユーザーは { $object } を照会できません。プロファイルまたは権限セットで、{ $object } の参照権限を付与してください。
health-salesforce-tasks-ok = Liaison は活動を ToDo（Task）として記録できます。
health-salesforce-cannot-create-tasks = サインインしているユーザーは ToDo（Task）を作成できないため、活動を記録できません。Task の作成権限を付与してください。
health-salesforce-quota-used-up = 組織の 1 日あたりの API リクエスト数の上限に達しました（残り 0 / { $max }）。
health-salesforce-quota-left = 1 日あたりの API リクエストの残りは { $left } / { $max } です。
health-dynamics-credentials-ok = Dynamics 365 がサインインを受け付けました（WhoAmI）。
health-dynamics-can-read = Liaison は{ $what ->
    [contacts] 取引先担当者
   *[lists] マーケティングリスト
}を読み取れます。
health-campaign-no-secret = Campaign の接続にシークレットが保存されていません。Adobe Campaign に再接続してください。
health-campaign-credentials-ok = Adobe IMS と Campaign が資格情報を受け付けました。プロファイルを読み取れます。
health-campaign-read-services = Liaison は購読サービスを読み取れます。

## サインイン後のブラウザーのページ (connections/oauth)
oauth-page-refused-title = サインインを受け付けませんでした
oauth-page-refused = このサインインの応答は、Liaison が開始したリクエストによるものではありません。Liaison に戻り、もう一度「接続」をクリックしてください。
oauth-page-cancelled-title = サインインが取り消されました
oauth-page-close-tab = このタブを閉じて Liaison に戻ってください。
oauth-page-incomplete-title = サインインが完了していません
oauth-page-incomplete = 応答に認可コードが含まれていませんでした。
oauth-page-signed-in-title = サインインしました
oauth-page-signed-in = Liaison が接続を完了しています。このタブを閉じて Liaison に戻ってください。

## 同期する項目 (sync/fields)
fields-marketo-no-email-cannot-match = Marketo のリードデータベースにメールアドレスの項目がないため、人を照合できません。API ユーザーの権限をご確認ください。
fields-salesforce-no-email = Salesforce のユーザーが取引先責任者とリードの Email 項目を読み取れません。項目レベルセキュリティで参照権限を付与してください。
fields-note-incompatible = 各システムでこの項目に保存される値の種類が異なるため、同期しません。
fields-note-neither = どちらのシステムにもこの項目はありません。
fields-note-salesforce-only = Marketo にはこの項目がありません。値は Salesforce からのみ取得します。
fields-note-marketo-only = Salesforce にはこの項目がありません。値は Marketo からのみ取得します。
fields-note-leads-only = 取引先責任者にはこの項目がありません（リードにのみあります）。
fields-system-has-no-field = { $system } に項目「{ $name }」がありません
fields-missing-and = { $first }。また、{ $rest }
fields-note-missing = { $missing }（項目が削除されたか、API ユーザーが読み取れません）。
fields-marketo-no-email = Marketo のリードデータベースにメールアドレスの項目がありません。
fields-not-an-api-name = 「{ $name }」は { $system } の API 項目名ではありません。表示ラベルではなく API 参照名（英字・数字・_ のみ。例: Region__c）を入力してください。
fields-custom-name-invalid = カスタム項目の名前は 1～80 文字で入力してください。
fields-custom-no-api-name = Marketo、Salesforce、またはその両方での項目の API 名を入力してください。
fields-custom-exists = 「{ $label }」という名前のカスタム項目はすでにあります。
fields-custom-too-many = 同期できるカスタム項目は 50 個までです。
fields-custom-not-found = カスタム項目「{ $key }」はありません。
fields-marketo-describe-no-list = Marketo の describe2 の応答に項目の一覧がありません。
fields-salesforce-describe-no-list = Salesforce の { $object } の describe に項目の一覧がありません。

## 同期の設定・実行・レコード (sync/)
sync-settings-schedule-invalid = 同期の間隔は 5～1,440 分の範囲で指定してください。0 にすると自動同期をオフにします。
sync-settings-ceiling-invalid = API 上限の使用率は 1%～100% の範囲で指定してください。
sync-settings-quota-invalid = Marketo の 1 日あたりの API 上限には、1 以上の呼び出し回数を指定してください。
sync-settings-activity-days-invalid = 活動を記録できるのは、最大で過去 365 日分までです。
sync-settings-history-not-a-date = 「{ $value }」は日付ではありません。Marketo の履歴の開始日は YYYY-MM-DD の形式で入力してください。
sync-settings-history-too-early = Marketo には 2006 年より前のデータはありません。2006-01-01 以降の日付を選んでください。
records-extract-no-header = Marketo の抽出ファイルのヘッダーを読み取れません（{ $reason }）。
records-extract-lacks-columns = Marketo の抽出ファイルに id、email、createdAt、updatedAt のいずれかの列がありません。
records-extract-malformed = Marketo の抽出ファイルの { $row } 行目の形式が正しくありません（{ $reason }）。
activities-task-batch-no-list = Salesforce から ToDo（Task）の一括登録の結果一覧が返されませんでした。
sync-already-running = 同期はすでに実行中です（このウィンドウ、または別の Liaison のプロセスで）。完了するまで待つか、取り消してください。
sync-marketo-not-connected = Marketo が接続されていないため、同期するものがありません。設定 → Marketo で接続してください（セットアップの手順 3）。
sync-salesforce-not-connected = Salesforce が接続されていないため、同期するものがありません。設定 → Salesforce で接続してください（セットアップの手順 2）。
sync-health-item = { $name } について: { $detail }
sync-cannot-start = 同期を開始できません: { $reason }
sync-cannot-start-health = 同期を開始できません。{ $problems } これを解決してから（求められた場合は設定で再接続してから）、もう一度同期を開始してください。
sync-field-gone = 同期する項目「{ $field }」が Marketo にも Salesforce にもなくなりました。項目のプレビューを開き、対応付けを確認して保存し直してください。
sync-custom-types-differ = システム間で値の種類が異なります。
sync-custom-field-unsyncable = カスタム項目「{ $label }」は同期できません: { $why } 項目のプレビューで修正または削除してから、もう一度同期を開始してください。
sync-continuing = 中断された同期を、最後のチェックポイントから再開しています。
records-created-not-a-date = リードの createdAt が日付ではありません。
records-updated-not-a-date = リードの updatedAt が日付ではありません。
records-updated-missing = リードの updatedAt がないか、日付ではありません。
records-modstamp-missing = { $object } の SystemModstamp がないか、日付ではありません。
sync-record-no-email = このレコードには使用できるメールアドレスがないため、人と照合できません。
sync-record-duplicate = この同期に、メールアドレスが { $email } の { $system } のレコードが他にもあります。最初のレコードのみを統合しました。
sync-notice-stopped = 同期が停止しました
sync-notice-cancelled = 同期をキャンセルしました
sync-notice-finished = 同期が完了しました
sync-notice-body = 新規 { $created } 件、更新 { $updated } 件、削除 { $deleted } 件、タスク記録 { $tasks } 件、エラー { $errors } 件。

## 同期の API 上限 (sync/run/quota)
quota-marketo-over-ceiling = この実行には Marketo の呼び出しが約 { $calls } 回必要で、上限の { $pct }%（{ $quota } 回のうち { $ceiling } 回）を超えます。使用率の上限を引き上げるか、Marketo の履歴の開始日を遅くしてください。
quota-marketo-not-enough-left = この実行には Marketo の呼び出しが約 { $calls } 回必要ですが、本日の残りは { $left } 回です。米国中部時間の午前 0 時以降に実行できます。
quota-salesforce-over-ceiling = この実行には Salesforce のリクエストが約 { $calls } 回必要で、上限の { $pct }%（{ $max } 回のうち { $ceiling } 回）を超えます。
quota-salesforce-not-enough-left = この実行には Salesforce のリクエストが約 { $calls } 回必要ですが、組織の 24 時間あたりの残りは { $left } 回です。
quota-paused-until = { $cause } 一時停止しました。{ $at } UTC（米国中部時間の午前 0 時）以降に再開します。
quota-paused-salesforce = { $cause } 一時停止しました。Liaison が残りのリクエスト数を確認し、利用可能になり次第再開します。
quota-reset-continuing = API 上限がリセットされたため、同期を再開します。
sync-marketo-no-paging-token = Marketo からページングトークンが返されませんでした。
sync-checkpoint-lost-windows = 同期のチェックポイントから Marketo の期間の情報が失われました。
sync-marketo-no-export-id = Marketo が exportId のない抽出ジョブを作成しました。
sync-cli-estimate = 次回の同期 ({ $full ->
        [full] 完全
       *[incremental] 差分
    }): Marketo の呼び出し約 { $marketo } 回 (本日 { $quota } 回中 { $used } 回使用済み、上限 { $marketo_ceiling } 回)、Salesforce のリクエスト { $salesforce } 回 ({ $max } 回中残り { $left } 回、上限 { $salesforce_ceiling } 回)。所要時間は Marketo の時計で約 { $minutes } 分。
sync-no-cursor = 同期に { $cursor } のチェックポイントがありません。完全同期を実行してください（liaison sync run --full）。

## リモート呼び出しを再試行する理由 (http。再試行が尽きたときに表示)
http-reason-timed-out = { $host } から時間内に応答がありませんでした
http-reason-connection-failed = { $host } への接続に失敗しました
http-reason-status = { $system } が HTTP { $status } を返しました
http-reason-not-json = 応答が JSON ではありませんでした
http-reason-cut-off = 応答が途中で切れました
http-reason-download-cut-off = ファイルのダウンロードが途中で切れました
http-reason-token-malformed = トークンの応答の形式が正しくありませんでした
marketo-reason-identity-status = identity エンドポイントが HTTP { $status } を返しました
marketo-reason-no-success-flag = 応答に success の値がありませんでした
marketo-reason-rate-limit = 呼び出し回数の制限（606: { $message }）
marketo-reason-concurrency = 同時呼び出し数の超過（615）

## リモート呼び出しの処理内容 (http。失敗が続いたときに表示)
http-what-marketo-token = Marketo のアクセストークンの取得
http-what-ims-token = Adobe IMS のトークンの取得
http-what-calling = { $system } の { $path } の呼び出し
http-what-calling-campaign = Adobe Campaign の呼び出し
http-what-downloading = { $system } の { $path } のダウンロード
http-what-exchanging-sign-in = { $system } のサインインのトークンへの交換
http-what-revoking-sign-in = { $system } のサインインの取り消し
http-what-next-page = { $system } からの次のページの読み取り
http-what-querying-salesforce = Salesforce の照会（{ $resource }）
http-what-salesforce-user = サインインしている Salesforce ユーザーの読み取り
http-what-salesforce-clock = Salesforce の時刻の読み取り
http-what-checking-dynamics = Dynamics 365 の接続の確認

## デスクトップ（src-tauri）
desktop-clipboard-failed = クリップボードを使用できませんでした。表示したフィールドからシークレットを手動でコピーしてください。
desktop-sandbox-not-running = 組み込みのサンドボックスが起動していません。セットアップ画面から起動してください。
desktop-csv-not-open = CSV ファイルをもう一度選んでください。Liaison はそのファイルをもう開いていません。
desktop-no-batch-results = 保存できるバッチの結果はまだありません。
desktop-template-write-failed = テンプレートを書き込めませんでした（{ $reason }）。
desktop-location-unusable = その場所は使用できません（{ $reason }）。
desktop-file-write-failed = { $path } に書き込めませんでした（{ $reason }）。
desktop-task-stopped = バックグラウンドの処理が予期せず停止しました。もう一度お試しください。繰り返し発生する場合は、ログファイルをサポートに送ってください。
desktop-client-secret-required = クライアントシークレットは必須です。
desktop-sandbox-failed = 組み込みのサンドボックスを起動できませんでした（{ $reason }）。
desktop-step-has-no-checklist = この手順にはチェックリストがありません。自動的に完了します。

## エクスポートと実行
export-already-running = エクスポート「{ $name }」はすでに実行中です（この画面か別の Liaison で）。終わるのを待つか、そちらで取り消してください。
export-attribute-unknown = 「{ $attribute }」はエクスポートできる属性ではありません。email、first_name、last_name、city、state、country のいずれかを指定してください。
export-attribute-twice = 属性「{ $attribute }」が二重にマッピングされています。各属性は一度だけマッピングしてください。
export-cache-field-unknown = キャッシュのフィールド「{ $field }」は存在しないか、テキストを保持していません。セグメントに表示されるフィールドから選んでください。
export-cannot-run = エクスポート「{ $name }」は実行できません: { $why }
export-continuing = 中断された実行をチェックポイントから再開しています。
export-csv-email = メールアドレス
export-csv-outcome = 結果
export-csv-reason = 理由
export-destination-not-marketo = エクスポート先「{ $name }」は Marketo のリストではありません。
export-file-not-written = エクスポート用のファイルを書き出せませんでした。
export-following-import = 中断前に渡した Marketo のインポート { $batch } の結果を確認しています。
export-adding-to-list = { $count } 人を Marketo のリード ID でリストに追加しています（リストを指定しないインポートは完了しました。まだわからない ID はメールアドレスで調べます）。
export-lead-not-found = Marketo はこの人のリード ID をもう認識しておらず、メールアドレスで検索してもリードが見つかりません。
export-no-second-lane = このエクスポート先には 2 本目のインポート経路がありません。
export-marketo-field-refused = Marketo がフィールド「{ $field }」を受け付けませんでした。エクスポートのマッピングを Marketo インスタンスのフィールドと照らし合わせてください。
export-name-invalid = エクスポート名は 1〜120 文字で入力してください。
export-name-taken = 「{ $name }」という名前のエクスポートはすでにあります。別の名前を選んでください。
export-no-batch-id = インポートはバッチ ID なしで受け付けられました
export-not-found = 「{ $name }」という名前のエクスポートはありません。
export-notice-cancelled = エクスポート「{ $name }」を取り消しました
export-notice-finished = エクスポート「{ $name }」が完了しました
export-notice-stopped = エクスポート「{ $name }」が停止しました
export-notice-body = 追加 { $added } 件、更新 { $updated } 件、削除 { $removed } 件、失敗 { $failed } 件、スキップ { $skipped } 件（有効なメールアドレスなし）。
export-outcome-failed = 失敗
export-outcome-skipped = スキップ
export-outcome-warning = 警告
export-schedule-invalid = 「{ $schedule }」はスケジュールとして指定できません。manual、after-sync、hours:N（N は 1〜168）のいずれかを使ってください。
export-segment-broken = セグメント「{ $segment }」はエクスポートできません: { $why }
export-segments-missing = エクスポートするセグメントを 1 つ以上選んでください。
export-skip-invalid-email = メールアドレスが正しくありません: { $reason }
export-skip-no-email = メールアドレスがありません。
export-skip-non-ascii-email = Marketo が受け付けるのは ASCII 文字のメールアドレスだけです。
export-target-field-missing = Marketo にリードフィールド「{ $field }」がありません。エクスポート先の Marketo インスタンスを確認するか、この属性を外してください。
export-too-many-people = エクスポート「{ $name }」の対象は { $count } 人です。1 つのエクスポートで送れるのは最大 { $max } 人です（R12）。セグメントを絞り込んでください。
export-waiting-for-marketo = Marketo はほかのインポートを処理中です。空きができ次第ファイルを渡します。
http-what-uploading = { $system } の { $path } へのアップロード
segment-used-by-exports = セグメント「{ $name }」は削除できません。エクスポート { $exports } が使っています。先にそちらから外してください。
export-created = エクスポート「{ $name }」を保存しました。実行するのは、手動で実行したときかスケジュールに従うときだけです（保存しても実行されません）。
export-updated = エクスポート「{ $name }」の変更を保存しました（実行はしていません）。
export-deleted = エクスポート「{ $name }」を削除しました。履歴は残り、エクスポート先のリストはそのままです。
export-none-yet = エクスポートはまだありません: `liaison export create 名前 --destination 先 --segment セグメント`。
export-never-ran = エクスポート「{ $name }」はまだ実行されていません。
export-history-line = { $started } { $state }: 追加 { $added }、更新 { $updated }、削除 { $removed }、変更なし { $unchanged }、スキップ { $skipped }、失敗 { $failed }、呼び出し { $calls } 回、{ $seconds } 秒
export-dry-run-summary = 「{ $name }」の試行（呼び出しなし）: セグメントの対象は { $people } 人。追加 { $added }、更新 { $updated }、削除 { $removed }、変更なし { $unchanged }、有効なメールアドレスがないためスキップ { $skipped }、ファイル { $files } 個の見込みです。
export-sample-added = 追加予定
export-sample-updated = 更新予定
export-sample-removed = 削除予定
export-sample-unchanged = 変更なし
export-sample-skipped = スキップ
export-run-summary = エクスポート「{ $name }」{ $state }: 追加 { $added }、更新 { $updated }、削除 { $removed }、変更なし { $unchanged }、スキップ { $skipped }（有効なメールアドレスなし）、失敗 { $failed }。ファイル { $files } 個、呼び出し { $calls } 回。
export-results-hint = 全行の結果: `liaison export results { $run_id }`。
export-stopping = 処理中のファイルが終わったら停止します（チェックポイントは残り、渡し済みのインポートは次の実行で確認します）…
desktop-results-write-failed = 結果ファイルを書き込めませんでした（{ $reason }）。
run-state-queued = 待機中
run-state-running = 実行中
run-state-paused = 一時停止中
run-state-succeeded = 完了
run-state-failed = 失敗
run-state-cancelled = 取り消し
connection-http-not-allowed = 「{ $input }」は暗号化されない http のアドレスで、資格情報やトークンが平文で送られてしまいます。https のアドレスを使ってください（http はこのコンピューター上のサンドボックスなどに限って使えます）。
desktop-client-secret-label = クライアントシークレット（いま接続アプリに貼り付けてください。求められない限り再表示されません）:
desktop-client-secret-title = Liaison — クライアントシークレット
store-lock-failed = { $path } のワークスペースをロックできませんでした（{ $reason }）。
http-outcome-unknown = { $what } の途中で { $system } から明確な応答がありませんでした（{ $reason }）。二重に作成しないよう、再送はしていません。
run-taken-over = この実行は停滞したため、別の Liaison のプロセスが引き継ぎました。こちらはここで止まります（引き継いだ側がチェックポイントから続けます）。

## Dynamics 365 exports (marketing lists)
dataverse-connection-not-found = Dynamics 365 の接続「{ $connection }」がありません（切断された可能性があります）。
dataverse-foreign-link = Dynamics 365 が別のアドレスへのリンク（{ $url }）を返しました。Liaison は組織内のリンクだけをたどります。
dataverse-batch-too-large = Dynamics 365 のバッチに入れられる要求は 1,000 件までですが、{ $count } 件が入れられました。
dataverse-batch-unreadable = バッチに対する Dynamics 365 の応答を読み取れませんでした。
export-destination-delete-dynamics = 「{ $name }」を削除しますか？エクスポートは停止して削除されますが、実行履歴は引き続き参照できます。マーケティング リスト「{ $list }」とそのメンバーは Dynamics 365 にそのまま残ります。
export-dynamics-list-not-found = ID が { $list_id } のマーケティング リストは Dynamics 365 にないか、サインインしたユーザーからは見えません。
export-dynamics-list-dynamic = マーケティング リスト「{ $list }」は動的リストです。Liaison がメンバーを追加できるのは静的リストだけです。
export-dynamics-list-not-contacts = マーケティング リスト「{ $list }」は取引先担当者のリストではありません（メンバーが取引先企業またはリードです）。Liaison が追加するのは取引先担当者です。
export-dynamics-list-locked = マーケティング リスト「{ $list }」はロックされているため、メンバーを追加できません。Dynamics 365 でロックを解除するか、別のリストを選んでください。
export-dynamics-list-inactive = マーケティング リスト「{ $list }」は非アクティブです。Dynamics 365 でアクティブにするか、別のリストを選んでください。
export-dynamics-list-id-invalid = 「{ $list_id }」はマーケティング リストの ID（3f2504e0-4f89-11d3-9a0c-0305e82c3301 のような GUID）ではありません。
export-dynamics-list-name-too-long = マーケティング リストの名前は 128 文字までです。
export-dynamics-list-missing = 既存の静的な取引先担当者リストの ID か、新しいリストの名前のどちらか一方を指定してください。
export-dynamics-row-without-contact = Dynamics 365 向けの行に取引先担当者 ID がありませんでした。何も送信していません。これは Liaison の不具合です。
export-dynamics-batch-unknown = Dynamics 365 のバッチ { $batch } の結果がこの実行では分かりません。これは Liaison の不具合です。
export-member-not-resolved = { $email } に対応するリスト メンバーを Liaison が判断できませんでした。何も送信していません。これは Liaison の不具合です。
export-destination-unreadable = エクスポート先「{ $name }」の設定を読み取れませんでした。削除してから追加し直してください。
export-outcome-unmatched = 照合なし
export-dynamics-no-attributes = Dynamics 365 のマーケティング リストには既存の取引先担当者がそのまま追加されるため、属性は割り当てられません。
export-dry-run-unmatched = { $count } 人は対応する Dynamics 365 の取引先担当者がないため追加されません（取引先担当者は作成しません）:
export-sample-unmatched = 照合なし
export-run-unmatched = { $count } 人は対応する Dynamics 365 の取引先担当者がないため追加しませんでした（取引先担当者は作成しません）。理由の一覧: `liaison export results { $run_id }`
batch-interrupted = このファイルをキューに入れている途中で Liaison が停止しました（{ $queued } 件の招待の後）。それらはキューに残り送信されます。残りをキューに入れるには、ファイルをもう一度送信してください（招待済みの人はスキップされます）。
export-unmatched-no-contact = この人に一致する Dynamics 365 の取引先担当者がありません（取引先担当者は作成しません）。
export-unmatched-ambiguous = この人に一致する Dynamics 365 の取引先担当者が { $count } 件あります（{ $contacts }）。Liaison はどれかを推測しません。
export-unmatched-inactive = 一致する唯一の Dynamics 365 の取引先担当者（{ $contact }）は非アクティブです。

## Connection access (who may use)
connection-use-refused = 接続「{ $name }」を使用できません。{ $who ->
    [members] この接続を使用できるのは { $owner } が指定したメンバーだけで、あなたは含まれていません
   *[administrators] この接続を使用できるのは管理者だけです
}。{ $owner } に「この接続を使用できるユーザー」へ追加するよう依頼してください（ルール R13）。
connection-usable-by-administrators = 管理者
connection-usable-by-members = { $emails } と接続した管理者
connection-access-not-a-member = { $email } はこのワークスペースのメンバーではないため、この接続の使用を許可できません。先に招待するか（設定 → ユーザー管理）、綴りを確認してください。
connection-access-no-members = 接続を使用できるメンバーを 1 人以上指定するか、「管理者」を選択してください。
connection-access-dynamics-only = 接続を使用できるユーザーは Dynamics 365 の接続で設定します。「{ $name }」はすべての管理者が使用できます。
connection-access-owner-only = 「{ $name }」を使用できるユーザーを変更できるのは、接続した管理者の { $owner } だけです（ルール R6）。
desktop-csv-dialog-title = CSV ファイルを選択
desktop-csv-not-chosen = Liaison が開くのは、「ファイルを選択…」で選んだファイルか、ウィンドウにドロップしたファイルだけです。

## Dynamics contacts (sync, matching)
http-what-reading-dynamics-contacts = Dynamics 365 の取引先担当者の読み取り中
dynamics-connection-not-found = ID が { $id } の Dynamics 365 接続はありません。設定 → Dynamics 365 で ID を確認してください。
dynamics-match-by-invalid = 「{ $input }」は、ユーザーを Dynamics の取引先担当者に照合する方法として指定できません。「email」、または FIELD=ATTRIBUTE (キャッシュのユーザー項目と、同じ値を持つ取引先担当者の属性。例: sf_contact_id=new_salesforceid) を指定してください。
dynamics-match-attribute-invalid = 「{ $attribute }」は Dataverse の属性名ではありません。属性の論理名 (英小文字、数字、アンダースコア。例: new_salesforceid) を指定してください。
dynamics-match-field-invalid = 「{ $field }」はユーザー項目の名前ではありません。sf_contact_id、marketo_id、カスタム項目のキーなど、キャッシュの項目を指定してください。
dynamics-match-field-unknown = ユーザーのキャッシュに「{ $field }」という項目はありません。marketo_id、sf_contact_id、sf_lead_id、同期対象の項目 (first_name、city など)、または同期に追加したカスタム項目のキーを指定してください。

## Adobe Campaign ↔ Dynamics 365 (seed 004)
campaign-connection-not-found = Adobe Campaign の接続「{ $connection }」がありません（切断された可能性があります）。
campaign-link-no-connection = ID が { $connection } の { $system } 接続はありません。設定 → 接続で ID を確認してください。
campaign-link-optout-unknown = 「{ $value }」はオプトアウトの方向として指定できません。dynamics-to-campaign、campaign-to-dynamics、both のいずれかを指定してください。
campaign-link-pair-malformed = 「{ $value }」はマッピングの形式ではありません。ATTRIBUTE=FIELD (取引先担当者の属性の論理名と、プロファイル項目の API 名。例: jobtitle=cusJobTitle) の形で指定してください。
campaign-link-on-premises = この Dynamics 365 はオンプレミスのサーバーとして応答しています (バージョン { $version }、オンライン環境なし)。Campaign との連携は Dynamics 365 オンラインでのみ動作します。組織のオンライン環境に接続してください。
campaign-link-not-standard = この Adobe Campaign は Campaign Standard として応答しません ({ $reason })。連携には Campaign Standard の REST API (profileAndServices) が必要です。資格情報の製品プロファイルが Campaign Standard のものか確認してください。
campaign-link-metadata-unreadable = { $system } の項目メタデータの応答が想定外の形式でした。
campaign-link-no-key-field = Campaign のプロファイルに、各プロファイルの Dynamics 取引先担当者 ID を保持する書き込み可能なテキストの拡張項目「{ $field }」がありません。このままではメールアドレスが変わると別のプロファイルが作られてしまいます。Campaign (管理 → 開発 → カスタムリソース) でプロファイルリソースの拡張にこの項目を追加して公開し、連携を設定し直してください。
campaign-link-unknown-attribute = Dynamics 365 の取引先担当者に属性「{ $attribute }」はありません。Dynamics に表示される論理名 (例: jobtitle) を指定してください。
campaign-link-unknown-field = Campaign のプロファイルに項目「{ $field }」はありません。Campaign に表示される API 名 (例: firstName、拡張項目なら cusJobTitle) を指定してください。
campaign-link-field-read-only = Campaign のプロファイル項目「{ $field }」は読み取り専用のため、書き込めません。別の項目を選んでください。
campaign-link-types-differ = 取引先担当者の属性「{ $attribute }」({ $attribute_type }) はプロファイル項目「{ $field }」({ $field_type }) に書き込めません。型が異なります。型の合う項目を選んでください。
campaign-link-field-carries-optout = プロファイル項目「{ $field }」はオプトアウトを運ぶ項目です。オプトアウトの方向に従って同期されるため、マッピングには追加できません。
campaign-link-field-twice = プロファイル項目「{ $field }」が 2 回マッピングされています。1 つの項目には 1 つの属性だけを割り当ててください。
campaign-link-not-set-up = Campaign ↔ Dynamics 365 の連携はまだ設定されていません。先に設定してください: liaison campaign setup --dynamics ID --campaign ID
campaign-entity-link-malformed = “{ $value }” はリンクの指定ではありません。LOOKUP=LINKFIELD の形で、取引先担当者を指すエンティティの検索属性と、プロファイルを指すカスタムリソースのリンク項目を書いてください (例: lia_contactid=profile)。
campaign-entity-unknown = Dynamics 365 にエンティティセット “{ $entity }” はありません。Web API に表示されるエンティティセット名 (テーブルの複数形の名前、例: lia_productinterests) を使ってください。
campaign-entity-tracking-off = Dynamics 365 のテーブル “{ $entity }” で変更の追跡がオフになっています。Campaign 連携はこの機能で変更を読み取ります。テーブルの「変更の追跡」をオンにして (Power Apps → テーブル → { $entity } → プロパティ)、マッピングし直してください。
campaign-entity-resource-not-custom = “{ $resource }” はカスタムリソースではありません。Campaign のカスタムリソースは “cus” で始まります (例: cusProductInterest)。
campaign-entity-unknown-resource = Adobe Campaign にカスタムリソース “{ $resource }” はありません。存在するカスタムリソース: { $known }。
campaign-entity-no-key-field = Campaign のカスタムリソース “{ $resource }” に、各レコードの Dynamics の行 ID を保持して検索するための書き込み可能なテキスト項目 “{ $field }” とフィルター “{ $filter }” がありません。このままではレコードが二重に作成されるおそれがあります。Campaign (管理 → 開発 → カスタムリソース) で項目とフィルターを追加して公開し、マッピングし直してください。
campaign-entity-lookup-not-contact = “{ $entity }” の属性 “{ $attribute }” は取引先担当者への検索ではありません (型: { $kind })。取引先担当者を指す検索属性を指定してください (例: lia_contactid)。
campaign-entity-link-not-profile = Campaign のカスタムリソース “{ $resource }” の項目 “{ $field }” はプロファイルへのリンクではありません。プロファイルを指すリンク項目を指定してください (例: profile)。
campaign-entity-unknown-attribute = Dynamics 365 のエンティティセット “{ $entity }” に属性 “{ $attribute }” はありません。Dynamics に表示される論理名を使ってください (例: lia_product)。
campaign-entity-unknown-field = Campaign のカスタムリソース “{ $resource }” に項目 “{ $field }” はありません。Campaign に表示される API 名を使ってください。
campaign-entity-field-reserved = “{ $resource }” の項目 “{ $field }” は Liaison 自身が書き込みます (レコードの Dynamics の行 ID またはプロファイルへのリンク)。マッピングには使えません。
campaign-entity-field-read-only = Campaign のカスタムリソース “{ $resource }” の項目 “{ $field }” は読み取り専用のため、書き込めません。別の項目を選んでください。
campaign-entity-types-differ = “{ $entity }” の属性 “{ $attribute }” ({ $attribute_type }) は “{ $resource }” の項目 “{ $field }” ({ $field_type }) に書き込めません。型が異なります。型の合う項目を選んでください。
campaign-entity-field-twice = “{ $resource }” の項目 “{ $field }” が二重にマッピングされています。1 つの項目には 1 つの属性だけを割り当ててください。
campaign-entity-resource-taken = Campaign のカスタムリソース “{ $resource }” には既にエンティティセット “{ $entity }” がマッピングされています。先にそのマッピングを削除してください (liaison campaign map entity --entity { $entity } --remove)。
campaign-entity-not-mapped = エンティティセット “{ $entity }” はカスタムリソースにマッピングされていません。
campaign-run-entity-no-profile = { $entity } のレコード { $row } の取引先担当者 { $contact } には、まだ Campaign のプロファイルがありません。プロファイルができた時点でレコードを書き込みます (次回の実行で再試行します)。
campaign-run-entity-no-contact = { $entity } のレコード { $row } はどの取引先担当者も指していません ({ $lookup } が空です)。リンクするプロファイルがないため、スキップしました。
campaign-run-entity-value-unfit = { $entity } のレコードの “{ $attribute }” の値 { $value } は “{ $resource }” の項目 “{ $field }” に合いません。このレコードはスキップしました。Dynamics 365 で値を直すか、マッピングを変更してください。
campaign-run-entity-created-without-pkey = Adobe Campaign は “{ $resource }” のレコードを作成しましたが、PKey を返しませんでした。次回の実行で Dynamics の行 ID からレコードを見つけます。二重には作成されません。
campaign-cli-entities = カスタムエンティティ (エンティティセット → カスタムリソース):
campaign-cli-entity = { $entity } → { $resource } (取引先担当者の検索 { $lookup } → プロファイルのリンク { $link })
campaign-cli-linked = Dynamics 365 { $dynamics } ↔ Adobe Campaign { $campaign } ({ $by } が { $at } に設定)。
campaign-cli-optout-to-campaign = オプトアウト: Dynamics 365 → Campaign。
campaign-cli-optout-to-dynamics = オプトアウト: Campaign → Dynamics 365。
campaign-cli-optout-both = オプトアウト: 双方向 (最新の変更が優先され、競合は記録されます)。
campaign-cli-mapping = 取引先担当者の属性 → プロファイル項目:

## Campaign の実行: 取引先担当者からプロファイルへ (R17)
campaign-foreign-link = Adobe Campaign が自身の API 以外へのリンク ({ $url }) を返しました。Liaison は接続のトークンを付けてそのリンクをたどりません。
campaign-run-attribute-gone = マッピングされた取引先担当者の属性「{ $attribute }」は Dynamics 365 にもうありません。マッピングを変更して (liaison campaign map contact) もう一度実行してください。
campaign-run-field-gone = マッピングされたプロファイル項目「{ $field }」は Adobe Campaign にもうないか、読み取り専用になりました。マッピングを変更して (liaison campaign map contact) もう一度実行してください。
campaign-run-value-unfit = 取引先担当者の「{ $attribute }」の値 { $value } はプロファイル項目「{ $field }」に合わないため、この取引先担当者はスキップしました。Dynamics 365 で値を直すか、マッピングを変更してください。
campaign-run-already-running = Campaign の実行がすでに進行中です (このアプリか別の Liaison のプロセス)。終わるのを待つか、キャンセルしてください。
campaign-run-tracking-off = この Dynamics 365 組織では取引先担当者の変更の追跡がオフになっていますが、Campaign 連携は変更の追跡で変更を読み取ります。取引先担当者テーブルの「変更の追跡」をオンにして (Power Apps → テーブル → 取引先担当者 → プロパティ) もう一度実行してください。
campaign-run-created-without-pkey = Adobe Campaign はプロファイルを作成しましたが、PKey を返しませんでした。次の実行で取引先担当者 ID からプロファイルを見つけます。二重に作成されることはありません。
campaign-event-subject-sent = メール送信: 「{ $label }」
campaign-event-subject-bounced = メール不達: 「{ $label }」
campaign-event-subject-opened = メール開封: 「{ $label }」
campaign-event-subject-clicked = メール内リンクのクリック: 「{ $label }」
campaign-events-log-unreadable = Adobe Campaign のプロファイル { $profile } のログ { $log } に PKey または読み取れる日時がありません。このメールイベントはスキップしました。
campaign-events-refused = Dynamics 365 がメールイベント { $event } の活動の作成を拒否しました: { $reason } 次の実行で再試行します。
campaign-events-not-taken = Dynamics 365 が { $count } 件のメールイベントを何度試しても受け付けませんでした（スロットリングまたは利用不可）。次の実行で再送します。
campaign-timeline-contact-required = 取引先担当者をメールアドレスまたは Dynamics 365 の取引先担当者 ID で指定してください。
campaign-timeline-no-contact = メールアドレスまたは ID が「{ $contact }」の取引先担当者は Dynamics 365 にありません。
campaign-timeline-contact-ambiguous = Dynamics 365 にはメールアドレスが「{ $contact }」の取引先担当者が複数います。取引先担当者 ID で指定してください。
campaign-schedule-invalid = { $minutes } 分は Campaign 実行の間隔として指定できません。5〜1,440 分、またはオンデマンドのみの場合は 0 を指定してください。
campaign-cli-schedule-off = 実行: オンデマンドのみ（liaison campaign schedule 分数 でアプリ起動中に自動実行します）。
campaign-cli-schedule-every = 実行: アプリ起動中は { $minutes } 分ごとに自動実行、オンデマンドでも実行できます。
campaign-cli-timeline-of = { $contact }（取引先担当者 { $id }）のタイムライン（新しい順）:
campaign-cli-timeline-no-profile = この取引先担当者にはまだ Campaign のプロファイルがありません。次の実行で作成され、それ以降のメールイベントが反映されます。
campaign-cli-timeline-empty = この取引先担当者のタイムラインにはまだ何もありません。
campaign-cli-timeline-on = Dynamics 365 に記録済み
campaign-cli-timeline-next = 次の実行で記録
campaign-events-created-without-id = Dynamics 365 はメールイベントの活動を作成しましたが ID を返さず、イベント ID でもまだ見つかりません。次の実行で再度確認します。二重に書き込まれることはありません。
campaign-cli-run-summary = Campaign の実行は{ $state } ({ $full }): プロファイル作成 { $created } 件、更新 { $updated } 件、変更なし { $unchanged } 件、Campaign での編集の上書き { $overwritten } 件、Dynamics 365 で削除された取引先担当者 { $removed } 件 (プロファイルは保持)、カスタムエンティティのレコード書き込み { $entities } 件・削除 { $entities_removed } 件、Dynamics 365 に記録したメールイベント { $events } 件、オプトアウト: Campaign へ { $to_campaign } 件、Dynamics 365 へ { $to_dynamics } 件、競合 { $conflicts } 件、エラー { $errors } 件。呼び出し { $calls } 回、{ $seconds } 秒。
campaign-cli-history-line = { $started }  { $state } ({ $full }): 作成 { $created }、更新 { $updated }、変更なし { $unchanged }、上書き { $overwritten }、Dynamics で削除 { $removed }、オプトアウト Campaign へ { $to_campaign }、Dynamics へ { $to_dynamics }、競合 { $conflicts }、エラー { $errors }
campaign-cli-no-runs = Campaign の実行はまだありません: liaison campaign run
campaign-cli-kind-full = 全件
campaign-cli-kind-incremental = 差分
campaign-cli-optout-conflict = 取引先担当者 { $contact } のオプトアウトの競合: Dynamics 365 は{ $dynamics } ({ $dynamics_at } に変更)、Campaign は{ $campaign } ({ $campaign_at } に変更)。{ $winner } が優先されました (より新しい変更。同時刻ならメール拒否)。
campaign-cli-optout-refuses = メール拒否
campaign-cli-optout-accepts = メール許可
campaign-cli-time-unknown = 時刻不明
campaign-notice-finished = Campaign ↔ Dynamics 365 の実行が完了しました
campaign-notice-cancelled = Campaign ↔ Dynamics 365 の実行を取り消しました。次回は中断したところから続けます
campaign-notice-stopped = Campaign ↔ Dynamics 365 の実行が停止しました
campaign-notice-body = プロファイル作成 { $created } 件、更新 { $updated } 件、Campaign 側の変更の上書き { $overwritten } 件、カスタムエンティティのレコード書き込み { $entities } 件、メールイベント記録 { $events } 件、オプトアウト: Campaign へ { $to_campaign } 件、Dynamics 365 へ { $to_dynamics } 件、競合 { $conflicts } 件、エラー { $errors } 件。

## Marketo からの最初の管理者 (members/first_admin, connections/marketo User Management)
first-admin-marketo-not-connected = Marketo が接続されていないため、管理者を一覧できません。ステップ 1 で Marketo の REST エンドポイント、クライアント ID、クライアントシークレットを入力するか、代わりに最初の管理者の名前とメールアドレスを入力してください。
first-admin-pick-required = 最初の管理者にする Marketo 管理者（Marketo ユーザー ID またはメールアドレス）を選んでください。
first-admin-not-in-marketo = Marketo にユーザー「{ $pick }」はありません。一覧の Marketo 管理者から選ぶか、代わりに最初の管理者の名前とメールアドレスを入力してください。
first-admin-api-only = { $user } は API 専用の Marketo ユーザーでサインインできないため、最初の管理者にはできません。管理者ロールを持つ人を選んでください。
first-admin-not-a-marketo-admin = { $user } は Marketo の管理者ロールを持っていない（または持たなくなった）ため、最初の管理者にはできません（ロール：{ $roles }）。別の Marketo 管理者を選ぶか、先に Marketo 管理者に管理者ロールの付与を依頼してください。
first-admin-email-missing = ワークスペースは有効化されましたが、アクセス手順のメールが送信トレイに見つかりません。
marketo-what-users-no-list = ユーザー管理 API のユーザーの応答がユーザーの一覧ではありません
marketo-what-roles-no-list = ユーザー管理 API のユーザーのロールの応答が一覧ではありません
marketo-user-management-forbidden = Marketo がユーザーの一覧を拒否しました（HTTP 403）。このクライアント ID の API 専用ユーザーには「ユーザーへのアクセス」（管理者アクセス）と「ユーザー管理 API へのアクセス」（API アクセス）の権限を持つロールが必要です。Marketo 管理者に追加を依頼するか、代わりに最初の管理者の名前とメールアドレスを入力してください。
first-admin-cli-listed = 最初の管理者として選べる Marketo 管理者は { $count } 人です。

# セットアップの前提条件（seed 000）
prerequisite-actions-confirmed = { $email } が有効であることを確認しました。
prerequisite-actions-not-enabled = { $email } によると、まだ有効になっていません。Adobe アカウントチーム（または Marketo サポート）に Sales Insight Actions の有効化を依頼してから、再度確認してください。
prerequisite-sync-needs-marketo = まだ判断できません: Marketo を接続（セットアップのステップ 3）してから、再度確認してください。
prerequisite-sync-needs-salesforce = まだ判断できません: Salesforce を接続（セットアップのステップ 2）してから、再度確認してください。
prerequisite-sync-no-records = まだ判断できません: Marketo で照合する取引先責任者やリードが Salesforce にありません。
prerequisite-sync-not-configured = 最近変更された Salesforce の取引先責任者とリード { $sampled } 件のどれも Marketo にないため、Marketo と Salesforce の同期は設定されていない（またはまだ実行されていない）ようです。Marketo（管理 → Salesforce）で設定してから、再度確認してください。
prerequisite-sync-configured = 設定済み: 最近変更された Salesforce の取引先責任者とリード { $sampled } 件のうち { $matched } 件が、Marketo で Salesforce ID を持っています。
prerequisite-sync-unreadable = Marketo と Salesforce の同期の確認に使った応答が想定した形式ではありませんでした。

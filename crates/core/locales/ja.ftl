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
oauth-state-mismatch = { $provider } からのサインインの応答が Liaison の送ったリクエストと一致しなかったため（state の不一致）、受け付けませんでした。「接続」をクリックして、最初からやり直してください。
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
oauth-not-http-address = { $address } は http(s) のアドレスではありません。
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

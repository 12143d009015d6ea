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

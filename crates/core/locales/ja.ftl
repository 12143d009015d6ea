# Liaison のメッセージ（日本語）。en.ftl のすべてのキーがここにもあります（テストで確認）。

## カタログ自体のテスト用。
test-greeting = こんにちは、{ $name }さん。
test-rows = { $count } 行

## エラー（error.rs）
error-stored-data-unreadable = Liaison が保存済みのデータを読み取れませんでした。ワークスペースのデータベースが破損している可能性があります。バックアップから復元するか、新しいワークスペースを作成してください。

//! The window keeps its size and position from one start to the next, per workspace.

use liaison_e2e::Desktop;

#[tokio::test]
async fn the_window_reopens_where_and_as_large_as_it_was_left() -> anyhow::Result<()> {
    let app = Desktop::launch().await?;
    app.expect_heading("Setup").await?;
    let (x, y, width, height) = (40, 30, 1100, 760);
    app.client.set_window_rect(x, y, width, height).await?;
    let workspace = app.quit().await?;
    let saved = std::fs::read_to_string(workspace.path().join("window-state.json"))?;
    assert!(saved.contains("\"width\": 1100"), "{saved}");

    let again = Desktop::launch_in(workspace).await?;
    again.expect_heading("Setup").await?;
    let rect = again.client.get_window_rect().await?;
    assert_eq!((rect.2, rect.3), (u64::from(width), u64::from(height)), "size: {rect:?}");
    assert_eq!((rect.0, rect.1), (u64::from(x), u64::from(y)), "position: {rect:?}");
    again.close().await?;

    // Another workspace starts from the default window.
    let fresh = Desktop::launch().await?;
    fresh.expect_heading("Setup").await?;
    let rect = fresh.client.get_window_rect().await?;
    assert_eq!((rect.2, rect.3), (1280, 800), "a new workspace's window: {rect:?}");
    fresh.close().await
}

//! The README's snippet: exactly-once redemptions across retries and restarts.
//!
//! ```sh
//! TALLY_TOKEN=tly_… cargo run -p tally-client --example redeem -- cus_… rwd_…
//! ```

use tally_client::{Client, NewRedemption};

#[tokio::main]
async fn main() -> Result<(), tally_client::Error> {
    let mut args = std::env::args().skip(1);
    let (customer_id, reward_id) = (args.next().unwrap_or_default(), args.next().unwrap_or_default());

    let client = Client::builder("http://127.0.0.1:8080", std::env::var("TALLY_TOKEN").unwrap_or_default())
        .journal("tally-journal.db") // every write is on disk, with its key, before it is sent
        .build()
        .await?;

    // Finish whatever a previous run left without a final answer (same keys: no doubles).
    client.resume().await?;

    match client.redeem(&NewRedemption::new(customer_id, reward_id)).await {
        Ok(done) => println!("redeemed {} (replayed: {})", done.value.id, done.replayed),
        Err(e) if e.code() == Some("insufficient_points") => println!("not enough points"),
        Err(e) if e.is_pending() => println!("no answer yet; resume() will finish it: {e}"),
        Err(e) => return Err(e),
    }
    Ok(())
}

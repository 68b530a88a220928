//! The client commands: every one goes through `tally-client`, so each write
//! is journaled with its key before it is sent, and retried with that key.

mod arguments;
mod export;
mod import;
mod key_show;
mod output;
mod resume;
mod webhooks;

use std::process::ExitCode;

use tally_client::{NewAdjustment, NewCustomer, NewRedemption, NewTransaction, VoidTransaction};

pub use arguments::{ClientCommand, CouponCommand, CustomerCommand, KeyCommand};
use key_show::key_show;
use output::{answer, failure, print_json};
use resume::resume;

pub async fn run(command: ClientCommand) -> anyhow::Result<ExitCode> {
    match command {
        ClientCommand::Customer { command: CustomerCommand::Upsert { email, phone, name, client: args } } => {
            let client = args.writer().await?;
            let result = client.upsert_customer(&NewCustomer { email, phone, name }).await;
            Ok(answer(&args, result, |c| {
                let how = if c.status == 201 { "created" } else { "found" };
                let contact = c.value.email.as_deref().or(c.value.phone.as_deref()).unwrap_or("-");
                format!("{how} customer {} ({contact})", c.value.id)
            }))
        }
        ClientCommand::Earn { customer, spend_cents, currency, external_id, points, client: args } => {
            let client = args.writer().await?;
            let purchase = NewTransaction {
                customer_id: customer,
                spend_amount_cents: spend_cents,
                currency,
                external_id,
                points,
            };
            let result = client.record_purchase(&purchase).await;
            Ok(answer(&args, result, |t| {
                format!("recorded {}: +{} points for {}", t.value.id, t.value.points, t.value.customer_id)
            }))
        }
        ClientCommand::Redeem { customer, reward, quantity, client: args } => {
            let client = args.writer().await?;
            let result = client.redeem(&NewRedemption { customer_id: customer, reward_id: reward, quantity }).await;
            Ok(answer(&args, result, |r| {
                format!("redeemed {}: -{} points, {}", r.value.id, r.value.points_spent, r.value.status.as_str())
            }))
        }
        ClientCommand::Void { transaction, amount_cents, client: args } => {
            let client = args.writer().await?;
            let result = client.void_transaction(&transaction, &VoidTransaction { amount_cents }).await;
            Ok(answer(&args, result, |v| {
                let t = &v.value;
                format!(
                    "{} is {}: {} of {} cents and {} of {} points voided",
                    t.id,
                    t.status.as_str(),
                    t.voided_amount_cents,
                    t.spend_amount_cents,
                    t.voided_points,
                    t.points
                )
            }))
        }
        ClientCommand::Adjust { customer, points, reason, client: args } => {
            let client = args.writer().await?;
            let result = client.adjust_points(&customer, &NewAdjustment { points, reason }).await;
            Ok(answer(&args, result, |e| {
                let e = &e.value;
                format!("adjusted {} by {:+} points ({}): balance {}", e.customer_id, e.points, e.id, e.balance_after)
            }))
        }
        ClientCommand::Coupon { command: CouponCommand::Redeem { code, client: args } } => {
            let client = args.writer().await?;
            let result = client.redeem_coupon(&code).await;
            Ok(answer(&args, result, |c| {
                let c = &c.value;
                format!("coupon {} is {}: redemption {} fulfilled", c.code, c.status.as_str(), c.redemption_id)
            }))
        }
        ClientCommand::Coupon { command: CouponCommand::Show { code, client: args } } => {
            let client = args.reader().await?;
            Ok(match client.coupon(&code).await {
                Ok(c) if args.json => print_json(&c),
                Ok(c) => {
                    println!("coupon {} is {}", c.code, c.status.as_str());
                    println!("  customer     {}", c.customer_id);
                    println!("  reward       {}", c.reward_id);
                    println!("  redemption   {}", c.redemption_id);
                    if let Some(at) = c.redeemed_at {
                        println!("  redeemed at  {}", at.to_rfc3339());
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => failure(&args, &e),
            })
        }
        ClientCommand::Fulfil { redemption, client: args } => {
            let client = args.writer().await?;
            let result = client.fulfil_redemption(&redemption).await;
            Ok(answer(&args, result, |r| format!("{} is {}", r.value.id, r.value.status.as_str())))
        }
        ClientCommand::Cancel { redemption, client: args } => {
            let client = args.writer().await?;
            let result = client.cancel_redemption(&redemption).await;
            Ok(answer(&args, result, |r| format!("{} is {}", r.value.id, r.value.status.as_str())))
        }
        ClientCommand::Balance { customer, client: args } => {
            let client = args.reader().await?;
            Ok(match client.balance(&customer).await {
                Ok(b) if args.json => print_json(&b),
                Ok(b) => {
                    println!("{}: {} points available", b.customer_id, b.available);
                    println!("  in redemptions   {}", b.pending);
                    match &b.next_release {
                        Some(next) => println!(
                            "  pending earned   {} (next: {} on {})",
                            b.pending_earned,
                            next.points,
                            next.at.format("%Y-%m-%d %H:%M UTC")
                        ),
                        None => println!("  pending earned   {}", b.pending_earned),
                    }
                    println!("  lifetime earned  {}", b.lifetime_earned);
                    println!("  lifetime spent   {}", b.lifetime_spent);
                    println!("  expiring soon    {}", b.expiring_soon);
                    if let Some(tier) = &b.tier {
                        let name = tier.name.as_deref().unwrap_or("none");
                        let next = match &tier.next {
                            Some(next) => format!(", {} more to {}", next.points_needed, next.name),
                            None => String::new(),
                        };
                        println!("  tier             {name} ({} qualifying points{next})", tier.qualifying_points);
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => failure(&args, &e),
            })
        }
        ClientCommand::Key { command: KeyCommand::Show { key, client: args } } => key_show(&args, &key).await,
        ClientCommand::Resume { client: args } => resume(&args).await,
        ClientCommand::Import { command } => import::run(command).await,
        ClientCommand::Export(args) => export::run(args).await,
        ClientCommand::Webhooks { command } => webhooks::run(command).await,
    }
}

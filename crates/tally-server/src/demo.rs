//! `tally serve --demo`: a program to try things on. Running it again reuses
//! what exists (by name, e-mail and receipt id), so the demo data never doubles.

use tally_core::model::{ProgramSettings, RewardKind};
use tally_store::{NewReward, Page, Store};

use crate::auth::issue_token;
use crate::operations::{customers, purchases};

pub const PROGRAM_NAME: &str = "Demo Coffee";

pub struct Demo {
    pub program_id: String,
    pub token: String,
    pub customer_id: String,
    pub reward_ids: Vec<String>,
}

pub async fn ensure(store: &dyn Store) -> anyhow::Result<Demo> {
    let program = match store.programs().await?.into_iter().find(|p| p.name == PROGRAM_NAME) {
        Some(program) => program,
        None => store.create_program(PROGRAM_NAME, &ProgramSettings::default()).await?,
    };
    // Only a hash of each token is kept, so a fresh one is issued per run.
    let token = issue_token(store, &program.id).await?;

    let mut tx = store.begin(None).await?;
    let ada = customers::validate(Some("ada@example.com"), None, Some("Ada Lovelace"))
        .map_err(|e| anyhow::anyhow!(e.detail))?;
    let customer =
        match customers::upsert(tx.as_mut(), &program.id, &ada).await.map_err(|e| anyhow::anyhow!(e.detail))? {
            crate::operations::Outcome::Created(c)
            | crate::operations::Outcome::Existing(c)
            | crate::operations::Outcome::Changed(c) => c,
            crate::operations::Outcome::Replayed(k) => k.resource,
        };
    let welcome = purchases::Purchase {
        customer_id: customer.id.clone(),
        spend_amount_cents: 50_000,
        currency: "EUR".into(),
        external_id: Some("demo-welcome-purchase".into()),
        points: None,
        idempotency: None,
    };
    purchases::record(tx.as_mut(), &program, welcome, None).await.map_err(|e| anyhow::anyhow!(e.detail))?;
    tx.commit().await?;

    let existing = store.rewards(&program.id, &Page { limit: 100, starting_after: None }).await?;
    let mut reward_ids = Vec::new();
    for (name, cost_points, stock) in [("Free coffee", 150, None), ("Tote bag", 400, Some(25))] {
        let id = match existing.iter().find(|r| r.name == name) {
            Some(reward) => reward.id.clone(),
            None => {
                let mut tx = store.begin(None).await?;
                let new = NewReward { name: name.into(), cost_points, kind: RewardKind::Item, stock, active: true };
                let reward = tx.insert_reward(&program.id, &new).await?;
                tx.commit().await?;
                reward.id
            }
        };
        reward_ids.push(id);
    }
    Ok(Demo { program_id: program.id, token, customer_id: customer.id, reward_ids })
}

"""A short tour of Tally through the client that openapi-python-client generated
from the served document: a customer, a purchase, a redemption sent twice with
one key (the second a replay), and a fulfil.

Usage: PYTHONPATH=<dir holding tally_client> python tour.py BASE_URL TOKEN
"""

import sys
import uuid

from tally_client import AuthenticatedClient
from tally_client.api.customers import customers_balance_get, customers_upsert
from tally_client.api.idempotency import idempotency_keys_get
from tally_client.api.redemptions import redemptions_cancel, redemptions_create, redemptions_fulfil
from tally_client.api.rewards import rewards_create
from tally_client.api.transactions import transactions_create
from tally_client.models import (
    Customer,
    CustomerIn,
    KeyInfo,
    Redemption,
    RedemptionIn,
    RedemptionStatus,
    Reward,
    RewardIn,
    Transaction,
    TransactionIn,
)


def expect(response, status, kind):
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.content!r}"
    assert isinstance(response.parsed, kind), f"expected a {kind.__name__}, got {response.parsed!r}"
    return response.parsed


def main():
    base, token = sys.argv[1], sys.argv[2]
    client = AuthenticatedClient(base_url=base, token=token, raise_on_unexpected_status=True)
    run = uuid.uuid4().hex[:12]

    customer = expect(
        customers_upsert.sync_detailed(client=client, body=CustomerIn(email=f"tour-{run}@example.com", name="Ada")),
        201,
        Customer,
    )
    reward = expect(
        rewards_create.sync_detailed(client=client, body=RewardIn(name="Free coffee", cost_points=100, stock=5)),
        201,
        Reward,
    )
    purchase = expect(
        transactions_create.sync_detailed(
            client=client,
            body=TransactionIn(customer_id=customer.id, spend_amount_cents=50_000, currency="EUR"),
            idempotency_key=f"tour-buy-{run}",
        ),
        201,
        Transaction,
    )
    assert purchase.points == 500, purchase

    key = f"tour-redeem-{run}"
    body = RedemptionIn(customer_id=customer.id, reward_id=reward.id)
    first = redemptions_create.sync_detailed(client=client, body=body, idempotency_key=key)
    redemption = expect(first, 201, Redemption)
    assert first.headers["Idempotent-Replayed"] == "false", first.headers
    assert first.headers["X-Idempotency-Lookup"] == "miss", first.headers
    again = redemptions_create.sync_detailed(client=client, body=body, idempotency_key=key)
    replayed = expect(again, 201, Redemption)
    assert again.headers["Idempotent-Replayed"] == "true", again.headers
    assert again.headers["X-Idempotency-Lookup"] == "hit", again.headers
    assert replayed.id == redemption.id and again.content == first.content, "a replay is the first answer, byte for byte"

    balance = customers_balance_get.sync_detailed(client=client, id=customer.id).parsed
    assert balance.available == 400, f"debited once: {balance}"

    fulfilled = expect(redemptions_fulfil.sync_detailed(client=client, id=redemption.id), 200, Redemption)
    assert fulfilled.status == RedemptionStatus.FULFILLED, fulfilled
    refused = redemptions_cancel.sync_detailed(client=client, id=redemption.id)
    assert refused.status_code == 422 and refused.parsed.code.value == "already_fulfilled", refused.content

    record = expect(idempotency_keys_get.sync_detailed(client=client, key=key), 200, KeyInfo)
    assert record.resource_id == redemption.id, record

    print(
        f"tour: customer {customer.id}, purchase {purchase.id} (+{purchase.points}), "
        f"redemption {redemption.id} replayed with one key, fulfilled; balance {balance.available}"
    )


if __name__ == "__main__":
    main()

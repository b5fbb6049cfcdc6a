import datetime
from billing.services import generate_draft, approve_invoice, void_invoice

def test_smoke(firm, log):
    e1 = log(90)
    e2 = log(30)
    inv = generate_draft(client_id=firm.acme.pk, date_from=datetime.date(2026,3,1), date_to=datetime.date(2026,3,31), by=firm.finance)
    print(list(inv.lines.values()))
    print(inv.subtotal, inv.tax, inv.total)
    approve_invoice(inv.pk, by=firm.finance)
    inv.refresh_from_db()
    print(inv.number, inv.issue_date, inv.due_date)
    void_invoice(inv.pk)
    inv2 = generate_draft(client_id=firm.acme.pk, date_from=datetime.date(2026,3,1), date_to=datetime.date(2026,3,31), by=firm.finance)
    print(inv2.total)

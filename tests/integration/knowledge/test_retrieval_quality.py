"""Retrieval quality with the local MiniLM model: recall@3 on passages and questions written here.

The questions paraphrase their passage rather than repeat its words, so this measures the
embedding path, not keyword overlap. Measured: recall@3 = 1.0 (12/12) for semantic and hybrid
search; we require >= 0.9 (11 of 12) so that a model or splitter change that costs more than one
question fails the test, while a single borderline paraphrase does not.
"""

from __future__ import annotations

import pytest

from tests.integration.knowledge.conftest import KnowledgeClient

PASSAGES = [
    "The espresso machine on the third floor must be descaled every Friday afternoon.",
    "Employees may work remotely up to three days per week after their probation period.",
    "Expense reports above 500 euros need approval from a department head.",
    "The VPN client must be updated before connecting from a personal laptop.",
    "Fire drills take place twice a year; assemble in the north parking lot.",
    "New hires receive their badge and laptop from the IT desk on their first morning.",
    "Parental leave lasts sixteen weeks at full pay for every parent.",
    "Conference travel is booked through the internal travel portal, never directly.",
    "Production database backups run nightly at 02:00 and are kept for thirty days.",
    "Customer data may not be copied to USB sticks or personal cloud storage.",
    "The cafeteria serves vegetarian lunch options every weekday.",
    "Performance reviews happen in June and December with your manager.",
]
QUESTIONS = [
    ("How often should the coffee machine be cleaned of limescale?", 0),
    ("Can I do my job from home, and how many days?", 1),
    ("Who has to sign off on a large reimbursement claim?", 2),
    ("What do I need to do before using the company network from my own computer?", 3),
    ("Where do we gather during an evacuation exercise?", 4),
    ("When do I get my equipment when I join the company?", 5),
    ("How long can I stay home after having a baby?", 6),
    ("How do I arrange flights for a conference?", 7),
    ("How long are copies of the main database retained?", 8),
    ("Am I allowed to put client information on a thumb drive?", 9),
    ("Is there meat-free food in the canteen?", 10),
    ("When are employee evaluations held?", 11),
]
RULE = {
    "mode": "custom",
    "rules": {
        "pre_processing_rules": [],
        "segmentation": {"separator": "\\n\\n", "max_tokens": 200},
    },
}


@pytest.mark.parametrize("method", ["semantic_search", "hybrid_search"])
def test_recall_at_3(kb: KnowledgeClient, method: str) -> None:
    dataset = kb.dataset("Handbook")
    created = kb.add_text(dataset["id"], "handbook.txt", "\n\n".join(PASSAGES), process_rule=RULE)
    assert kb.wait(dataset["id"], created["batch"])["indexing_status"] == "completed"
    found = 0
    for question, expected in QUESTIONS:
        response = kb.post(
            f"/datasets/{dataset['id']}/retrieve",
            {"query": question, "retrieval_model": {"search_method": method, "top_k": 3}},
        )
        assert response.status_code == 200, response.text
        contents = [r["segment"]["content"] for r in response.json()["records"]]
        found += PASSAGES[expected] in contents
    recall = found / len(QUESTIONS)
    assert recall >= 11 / 12, f"recall@3 = {recall:.2f} ({found}/{len(QUESTIONS)})"

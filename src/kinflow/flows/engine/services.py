"""What the executor needs from outside a run: outgoing HTTP, connector calls, and the server's address and key for
a flow's callback URL (`listCallbackUrl()`)."""

from __future__ import annotations

from dataclasses import dataclass

from kinflow.flows.engine.connectors import ConnectorCalls
from kinflow.flows.engine.outgoing import Outgoing
from kinflow.flows.manage import callback_url, trigger_signature
from kinflow.flows.runs import LoadedRun
from kinflow.secret_key import SecretKey


@dataclass
class Services:
    outgoing: Outgoing
    connectors: ConnectorCalls
    public_url: str
    keys: SecretKey | None = None

    def callback_url(self, run: LoadedRun) -> str | None:
        if self.keys is None or run.definition.trigger_type == "Recurrence":
            return None
        return callback_url(self.public_url, run.flow_id, run.definition.trigger_name,
                            trigger_signature(self.keys, run.flow_uuid))

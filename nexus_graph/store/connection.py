"""Driver construction and error translation: the only module that knows the driver's exceptions."""

from __future__ import annotations

import logging

from neo4j import Driver, GraphDatabase, RoutingControl
from neo4j.exceptions import AuthError, ServiceUnavailable

from nexus_graph.errors import NexusError, ServerUnavailable
from nexus_graph.settings import Neo4jSettings, mask
from nexus_graph.store.catalog import statement

# The driver logs every retried transaction and dropped connection (multi-line, driver internals);
# with no handler of its own, Python's last-resort handler would print them to stderr around our
# one-line error or --json output. A caller that wants them configures the "neo4j" logger.
logging.getLogger("neo4j").addHandler(logging.NullHandler())


def start_hint(settings: Neo4jSettings) -> str:
    if settings.local:
        return "Start the local server with `nexus-graph neo4j start` (or `make neo4j`)."
    return "Check that the server at NEO4J_URI is running and reachable."


def open_driver(settings: Neo4jSettings) -> Driver:
    """A verified driver, or a one-line error saying how to fix the connection."""
    if not settings.password:
        raise NexusError(
            "No Neo4j password: set NEO4J_PASSWORD, or install the local server with "
            "`nexus-graph neo4j install` (it generates one)."
        )
    driver = GraphDatabase.driver(
        settings.uri,
        auth=(settings.username, settings.password),
        connection_timeout=10.0,
        max_transaction_retry_time=60.0,
        # statements name every label/property of the model; on a partly loaded graph Neo4j would
        # notify "property key does not exist" for each -- noise, not information
        notifications_min_severity="OFF",
    )
    try:
        driver.verify_connectivity()
    except AuthError:
        driver.close()
        raise NexusError(
            f"Neo4j at {settings.uri} refused user {settings.username!r} with password "
            f"{mask(settings.password)}. Check NEO4J_USERNAME / NEO4J_PASSWORD."
        ) from None
    except (ServiceUnavailable, OSError) as exc:
        driver.close()
        raise ServerUnavailable(
            f"Neo4j is not reachable at {settings.uri} ({type(exc).__name__}). {start_hint(settings)}"
        ) from None
    return driver


def ping(settings: Neo4jSettings) -> bool:
    """True when an authenticated round trip (``admin/ping``) succeeds."""
    try:
        driver = open_driver(settings)
    except NexusError:
        return False
    try:
        driver.execute_query(statement("admin/ping"), database_=settings.database, routing_=RoutingControl.READ)
        return True
    except Exception:
        return False
    finally:
        driver.close()

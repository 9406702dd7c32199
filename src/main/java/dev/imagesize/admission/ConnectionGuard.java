package dev.imagesize.admission;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Keeps the webhook's connections bounded: at most {@code maxConnections} open, and none that sends no complete
 * request head within the header timeout of opening. At the cap a new connection takes the place of the one that has
 * waited longest for a request (a silent peer, a slow one, or an idle keep-alive), so such peers cannot lock the API
 * server out; only when every connection is mid-request is the new one closed. Idle keep-alive connections that have
 * been used are left to the idle timeout: closing them sooner would race the API server's reuse of them.
 */
final class ConnectionGuard {
    private final Vertx vertx;
    private final int maxConnections;
    private final long headerTimeoutMillis;
    private final WebhookMetrics metrics;
    private final Map<HttpConnection, Tracked> open = new IdentityHashMap<>();

    /** One open connection: requests in progress, and since when it waits for a request head. */
    private static final class Tracked {
        final HttpConnection connection;
        int requestsInProgress;
        long waitingSinceNanos = System.nanoTime();
        long headerTimer = -1;

        Tracked(HttpConnection connection) {
            this.connection = connection;
        }
    }

    ConnectionGuard(Vertx vertx, int maxConnections, Duration headerTimeout, WebhookMetrics metrics) {
        this.vertx = vertx;
        this.maxConnections = maxConnections;
        this.headerTimeoutMillis = Math.max(1, headerTimeout.toMillis());
        this.metrics = metrics;
    }

    /** A connection was accepted: admit it (closing the longest-waiting one at the cap) or close it. */
    synchronized void opened(HttpConnection connection) {
        metrics.connectionOpened();
        if (open.size() >= maxConnections) {
            Tracked victim = longestWaiting();
            if (victim == null) {
                metrics.shed(WebhookMetrics.Shed.CONNECTION_LIMIT);
                connection.close();
                return;
            }
            forget(victim);
            metrics.shed(WebhookMetrics.Shed.IDLE_EVICTED);
            victim.connection.close();
        }
        Tracked tracked = new Tracked(connection);
        open.put(connection, tracked);
        awaitRequestHead(tracked);
        connection.closeHandler(closed -> closed(connection));
    }

    /** A request head arrived on this connection. */
    synchronized void requestStarted(HttpConnection connection) {
        Tracked tracked = open.get(connection);
        if (tracked != null) {
            tracked.requestsInProgress++;
            cancelTimer(tracked);
        }
    }

    /** A request of this connection was answered (or abandoned). */
    synchronized void requestFinished(HttpConnection connection) {
        Tracked tracked = open.get(connection);
        if (tracked != null && --tracked.requestsInProgress <= 0) {
            tracked.requestsInProgress = 0;
            tracked.waitingSinceNanos = System.nanoTime();
        }
    }

    synchronized int openConnections() {
        return open.size();
    }

    private synchronized void closed(HttpConnection connection) {
        Tracked tracked = open.get(connection);
        if (tracked != null) {
            forget(tracked);
        }
    }

    private void awaitRequestHead(Tracked tracked) {
        tracked.headerTimer = vertx.setTimer(headerTimeoutMillis, fired -> headerTimedOut(tracked));
    }

    private synchronized void headerTimedOut(Tracked tracked) {
        if (open.get(tracked.connection) == tracked && tracked.requestsInProgress == 0) {
            forget(tracked);
            metrics.shed(WebhookMetrics.Shed.HEADER_TIMEOUT);
            tracked.connection.close();
        }
    }

    private Tracked longestWaiting() {
        Tracked oldest = null;
        for (Tracked tracked : open.values()) {
            if (tracked.requestsInProgress == 0
                    && (oldest == null || tracked.waitingSinceNanos - oldest.waitingSinceNanos < 0)) {
                oldest = tracked;
            }
        }
        return oldest;
    }

    private void forget(Tracked tracked) {
        open.remove(tracked.connection);
        cancelTimer(tracked);
    }

    private void cancelTimer(Tracked tracked) {
        if (tracked.headerTimer >= 0) {
            vertx.cancelTimer(tracked.headerTimer);
            tracked.headerTimer = -1;
        }
    }
}

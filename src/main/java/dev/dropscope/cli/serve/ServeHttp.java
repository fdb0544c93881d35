package dev.dropscope.cli.serve;

import com.sun.net.httpserver.HttpHandler;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * serve's HTTP side, on the official client's {@link HTTPServer} (the JDK's com.sun.net.httpserver):
 * GET /metrics (gzip when the scraper asks, as the client does), the other paths by {@code other}, TLS and
 * basic authentication from the {@link WebConfig}.
 *
 * <p>Bounded for a small agent: at most {@link #HANDLERS} requests are handled at once, one thread kept
 * when idle; more wait in the kernel's accept queue (the dispatcher blocks until a handler is free), so a
 * flood costs neither threads nor heap. A request must arrive within {@link #REQUEST_SECONDS} and its
 * answer be taken within as long, so a slow client holds a handler that long at most; the sampler never
 * waits for either (a scrape only encodes the latest sample).
 */
public final class ServeHttp {
    /** Requests handled at once: two, so one slow client does not hold every scrape. */
    static final int HANDLERS = 2;
    /** sun.net.httpserver.maxReqTime and maxRspTime (the client sets 60 s unless told). */
    static final int REQUEST_SECONDS = 10;

    private ServeHttp() {
    }

    /** Binds and starts; throws BindException (port taken) and IOException as HTTPServer does. */
    public static HTTPServer start(InetSocketAddress address, PrometheusRegistry registry, HttpHandler other,
                                   WebConfig web) throws IOException {
        // read once by the JDK when its first server starts: set before, unless the operator chose
        System.getProperties().putIfAbsent("sun.net.httpserver.maxReqTime", Integer.toString(REQUEST_SECONDS));
        System.getProperties().putIfAbsent("sun.net.httpserver.maxRspTime", Integer.toString(REQUEST_SECONDS));
        HTTPServer.Builder b = HTTPServer.builder().inetAddress(address.getAddress()).port(address.getPort())
                .registry(registry).defaultHandler(other).executorService(executor());
        if (web.tls()) {
            b.httpsConfigurator(web.https());
        }
        if (web.authenticator() != null) {
            b.authenticator(web.authenticator());
        }
        return b.buildAndStart();
    }

    /**
     * How long the second handler thread outlives the overlap that made it: scrapes one after the other
     * (most of them, even at one per second, race the first handler back to its queue now and then) then
     * leave one handler thread, not two for the life of the agent.
     */
    static final int SECOND_HANDLER_IDLE_SECONDS = 2;

    private static ExecutorService executor() {
        ThreadPoolExecutor ex = new ThreadPoolExecutor(1, HANDLERS, SECOND_HANDLER_IDLE_SECONDS, TimeUnit.SECONDS,
                new SynchronousQueue<>(),
                r -> {
                    Thread t = new Thread(r, "dropscope-http");
                    t.setDaemon(true);
                    return t;
                },
                (r, pool) -> {
                    // every handler busy: the dispatcher waits for one (connections queue in the kernel)
                    if (pool.isShutdown()) {
                        throw new RejectedExecutionException("serve is stopping");
                    }
                    try {
                        pool.getQueue().put(r);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new RejectedExecutionException(e);
                    }
                });
        return ex;
    }
}

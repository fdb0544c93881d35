package dev.dropscope.cli.serve;

import com.sun.net.httpserver.HttpHandler;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * serve's HTTP side, on the official client's {@link HTTPServer} (the JDK's com.sun.net.httpserver):
 * GET /metrics (gzip when the scraper asks, as the client does), the other paths by {@code other}, TLS and
 * basic authentication from the {@link WebConfig}.
 *
 * <p>Bounded for a small agent: requests are handled one at a time on the server's dispatcher thread (a
 * scrape only encodes the latest sample: about a millisecond), so serve has no handler threads; more
 * connections wait in the kernel's accept queue, so a flood costs neither threads nor heap. A request must
 * arrive within {@link #REQUEST_SECONDS} and its answer be taken within as long (the JDK's req-rsp-timeout
 * timer closes the connection), so a slow client delays other scrapes that long at most; the sampler never
 * waits for either (a scrape only encodes the latest sample).
 */
public final class ServeHttp {
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
     * Runs each exchange on the thread that hands it over: the JDK server's dispatcher. A second thread
     * for a millisecond's work per scrape cost a thread stack and its malloc arena for the agent's life.
     */
    private static ExecutorService executor() {
        return new AbstractExecutorService() {
            private volatile boolean shutdown;

            @Override
            public void execute(Runnable r) {
                if (shutdown) {
                    throw new RejectedExecutionException("serve is stopping");
                }
                r.run();
            }

            @Override
            public void shutdown() {
                shutdown = true;
            }

            @Override
            public List<Runnable> shutdownNow() {
                shutdown = true;
                return List.of();
            }

            @Override
            public boolean isShutdown() {
                return shutdown;
            }

            @Override
            public boolean isTerminated() {
                return shutdown;
            }

            @Override
            public boolean awaitTermination(long timeout, TimeUnit unit) {
                return shutdown;
            }
        };
    }
}

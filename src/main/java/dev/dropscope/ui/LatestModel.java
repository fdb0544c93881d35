package dev.dropscope.ui;

/**
 * Hands the newest {@link TopModel} from the sampling threads to the screen thread, which waits for a
 * change with a timeout so it can keep reading keys. A failure of the sampling side is handed over
 * the same way and ends the screen loop.
 */
public final class LatestModel {
    private TopModel model;
    private String failure;

    public LatestModel(TopModel first) {
        this.model = first;
    }

    public synchronized void publish(TopModel m) {
        model = m;
        notifyAll();
    }

    public synchronized void fail(String message) {
        failure = message;
        notifyAll();
    }

    public synchronized TopModel latest() {
        return model;
    }

    /** The failure that stopped sampling, or null. */
    public synchronized String failure() {
        return failure;
    }

    /** Waits up to {@code millis} for a model other than {@code seen} (or a failure); returns the latest. */
    public synchronized TopModel awaitNewerThan(TopModel seen, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (model == seen && failure == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return model;
    }
}

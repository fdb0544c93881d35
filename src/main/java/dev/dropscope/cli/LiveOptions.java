package dev.dropscope.cli;

import dev.dropscope.collect.NetDmSession;

import picocli.CommandLine.Option;

/** Options several live commands declare alike, as picocli mixins: one declaration, the same help text. */
final class LiveOptions {
    private LiveOptions() {
    }

    /** {@code --source} of the commands that always watch drops (watch, top). */
    static final class LiveSource {
        @Option(names = "--source", paramLabel = "auto|netdm|tracepoint|ebpf", converter = Source.Live.class,
                completionCandidates = Source.Live.class, description = "Drop source (default: ${DEFAULT-VALUE}).")
        Source source = Source.auto;
    }

    /** {@code --takeover} (watch, top, serve): what to do about a NET_DM session someone else left running. */
    static final class Takeover {
        @Option(names = "--takeover", description = "NET_DM already monitoring (a stale session?): stop it and start ours.")
        boolean takeover;

        /** TAKEOVER with {@code --takeover}, else FAIL. */
        NetDmSession.Existing existing() {
            return takeover ? NetDmSession.Existing.TAKEOVER : NetDmSession.Existing.FAIL;
        }
    }
}

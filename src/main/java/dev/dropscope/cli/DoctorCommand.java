package dev.dropscope.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** Placeholder wiring; the checks are built in dev.dropscope.doctor. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Check what this machine can tell us about packet drops, and how to fix what is missing.")
public final class DoctorCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return ExitCodes.OK;
    }
}

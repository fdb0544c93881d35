package dev.dropscope.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A listen address: "host:port", "[v6]:port", or ":port" (every interface); port 0 is any free port. */
final class ListenAddressConverter implements ITypeConverter<InetSocketAddress> {
    private static final Pattern LISTEN = Pattern.compile("(?:\\[([0-9a-fA-F:.]+)]|([^:\\[\\]]*)):(\\d{1,5})");

    @Override
    public InetSocketAddress convert(String text) {
        Matcher m = LISTEN.matcher(text.trim());
        if (m.matches()) {
            int port = Integer.parseInt(m.group(3));
            String host = m.group(1) != null ? m.group(1) : m.group(2);
            if (port <= 65535) {
                try {
                    return new InetSocketAddress(host.isEmpty() ? InetAddress.getByName("0.0.0.0")
                            : InetAddress.getByName(host), port);
                } catch (UnknownHostException e) {
                    throw new TypeConversionException("'" + text + "': unknown host " + host);
                }
            }
        }
        throw new TypeConversionException("'" + text + "' (expected HOST:PORT, e.g. 127.0.0.1:9464, :9464, [::1]:9464)");
    }
}

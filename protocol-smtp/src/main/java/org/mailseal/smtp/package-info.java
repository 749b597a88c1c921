/**
 * SMTP/LMTP proxy: server side, upstream client and session state machine.
 *
 * <p>This module does not depend on {@code crypto}; it defines its own small SPI that {@code proxy-server}
 * implements (see DESIGN.md, "Modules").
 */
package org.mailseal.smtp;

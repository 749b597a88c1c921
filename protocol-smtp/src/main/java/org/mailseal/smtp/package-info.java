/**
 * SMTP and LMTP: the wire codec ({@link org.mailseal.smtp.SmtpFrameDecoder}, {@link org.mailseal.smtp.DotStuffer},
 * {@link org.mailseal.smtp.SmtpReply}) and the command grammar ({@link org.mailseal.smtp.SmtpCommandParser}).
 *
 * <p>This module does not depend on {@code crypto}; the session and its message filter SPI, which
 * {@code proxy-server} implements with {@code crypto}, come next (see DESIGN.md, "Modules").
 */
package org.mailseal.smtp;
